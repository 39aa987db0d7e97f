// A store thread whose store never opens (as PGlite's recovery can hang on a full disk): alive, never ready.
setInterval(() => undefined, 1000);
