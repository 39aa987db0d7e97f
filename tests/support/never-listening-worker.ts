// A cluster worker stuck in its start-up: alive, never listening.
setInterval(() => undefined, 1000);
