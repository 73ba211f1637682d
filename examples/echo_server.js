// The example keeps the `var` style of 2012-era Node code on purpose.
// deno-lint-ignore-file no-var
// An echo server written the way Node code was written in 2012: a
// constructor-style server, 'data' handlers, and string building. It runs
// unchanged on this library. Usage: node scripts/start.mjs [--bun] [port]
import net from "../net.ts";
import process from "node:process";

var port = Number(process.argv[2] || process.env.PORT || 7000);
var clients = 0;

var server = net.createServer(function (socket) {
  clients++;
  var name = socket.remoteAddress + ":" + socket.remotePort;
  socket.setEncoding("utf8");
  socket.write("hello " + name + ", you are client #" + clients + "\r\n");
  socket.on("data", function (data) {
    if (data.trim() === "quit") return socket.end("bye\r\n");
    socket.write(data);
  });
  socket.on("error", function (err) {
    console.error("socket error", err.code);
  });
  socket.on("close", function () {
    clients--;
  });
});

server.on("error", function (err) {
  console.error("server error:", err.message);
  process.exit(1);
});

server.listen(port, function () {
  var addr = server.address();
  console.log("echo server listening on " + addr.address + ":" + addr.port);
});
