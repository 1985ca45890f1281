// The tests' NATS servers are the bench's (bench/ is built with the CLI, so the bus bench can start them too).
export { startNats, type NatsServer } from '../../../bench/bus-bench.js';
