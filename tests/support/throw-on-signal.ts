// Loaded with `node --import` into a service process by tests: SIGUSR2 throws an exception nothing
// catches (a throw in a signal listener reaches process 'uncaughtException'), as a bug would.
process.on('SIGUSR2', () => {
  throw new Error('test: an exception nothing caught');
});
