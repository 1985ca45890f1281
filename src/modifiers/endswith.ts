import { positionModifier } from './contains.js';

export const endswith = positionModifier('endswith');
