// The example keeps the style of 2012-era Node code on purpose: `var`,
// callbacks, manual routing. It runs unchanged on this library, on Deno or
// Bun. Usage: npm start [-- --bun] [port]
// deno-lint-ignore-file no-var
import http from "../http.ts";
import process from "node:process";
import { Buffer } from "node:buffer";

var port = Number(process.argv[2] || process.env.PORT || 8000);
var started = Date.now();
var hits = 0;

function sendJSON(res, status, body) {
  var text = JSON.stringify(body, null, 2) + "\n";
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

var routes = {
  "/": function (_req, res) {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.end(
      "Node http on " + (typeof Bun !== "undefined" ? "Bun" : "Deno") + "\n" +
        "try /stream, /echo (POST), /status, /proxy?url=http://127.0.0.1:" + port + "/status\n",
    );
  },
  // A streamed (chunked) response, one line every 100 ms.
  "/stream": function (req, res) {
    var n = 0;
    res.writeHead(200, { "Content-Type": "text/plain" });
    var timer = setInterval(function () {
      n++;
      res.write("line " + n + "\n");
      if (n === 5) {
        clearInterval(timer);
        res.end("done\n");
      }
    }, 100);
    req.on("close", function () {
      clearInterval(timer);
    });
  },
  // Echoes a request body back, streaming it through.
  "/echo": function (req, res) {
    if (req.method !== "POST") return sendJSON(res, 405, { error: "POST only" });
    res.writeHead(200, {
      "Content-Type": req.headers["content-type"] || "application/octet-stream",
    });
    req.pipe(res);
  },
  "/status": function (_req, res) {
    sendJSON(res, 200, { uptimeMs: Date.now() - started, hits: hits });
  },
  // An outgoing http.get, its answer relayed.
  "/proxy": function (req, res) {
    var target = new URL(req.url, "http://localhost").searchParams.get("url");
    if (!target) return sendJSON(res, 400, { error: "?url= is required" });
    http.get(target, function (upstream) {
      res.writeHead(upstream.statusCode, {
        "Content-Type": upstream.headers["content-type"] || "text/plain",
      });
      upstream.pipe(res);
    }).on("error", function (err) {
      sendJSON(res, 502, { error: err.message, code: err.code });
    });
  },
};

var server = http.createServer(function (req, res) {
  hits++;
  var path = req.url.split("?")[0];
  var route = routes[path];
  if (route) return route(req, res);
  sendJSON(res, 404, { error: "no route for " + path });
});

server.on("clientError", function (_err, socket) {
  socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
});

server.listen(port, function () {
  console.log("listening on http://localhost:" + server.address().port + "/");
});
