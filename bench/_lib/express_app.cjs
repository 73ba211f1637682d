// The Express application of the `express` http benchmark: hello world
// through Express 5's router and res.send() (ETag, Content-Type, X-Powered-By).
// http_run.ts bundles it twice: with scripts/bundle.mjs, so Express gets this
// library's http ("ours"), and plainly, so it gets the runtime's ("builtin").
// The server process calls the export and gets the listening port back.
"use strict";
const express = require("express");

module.exports = function startExpress(onListening) {
  const app = express();
  app.get("/express", (_req, res) => {
    res.send("hello world\n");
  });
  const server = app.listen(0, "127.0.0.1", () => onListening(server.address().port));
  return server;
};
