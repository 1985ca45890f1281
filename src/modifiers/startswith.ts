import { positionModifier } from './contains.js';

export const startswith = positionModifier('startswith');
