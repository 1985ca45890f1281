// The tests' PostgreSQL server is the bench's (bench/ is built with the CLI, so `npm run bench` can start one too).
export { startTestPostgres, type TestPostgres } from '../../bench/postgres-server.js';
