import { beforeEach } from 'vitest';

/**
 * Gives the test worker's event loop one turn before each test. Vitest goes from one test to the next through
 * promise jobs only, so a file of synchronous tests runs as one unbroken stretch: the worker's RPC calls to the main
 * process (it sends "onTaskUpdate" as tests start and end) get no chance to read their replies, and one that waits
 * 60 s fails the run with "Timeout calling onTaskUpdate" although every test passed. With a turn here, the longest
 * stretch is one test, not one file.
 */
const turn = setImmediate; // the real one, should a test fake timers
beforeEach(() => new Promise<void>((resolve) => turn(resolve)));
