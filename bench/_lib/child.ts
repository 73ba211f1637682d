/**
 * A bench child process seen from the driver: its JSON lines as awaitable
 * events, commands to its stdin, and a hard stop.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import type { Message } from "./lines.ts";

/** The runtime's binary and the arguments that run a script with it. */
export interface Command {
  bin: string;
  args: string[];
}

/** Keeps the last of a child's stderr for error reports. */
const kStderrKeep = 4000;

/** One running bench process. */
export class Child {
  readonly #proc: ChildProcess;
  readonly #label: string;
  #messages: Message[] = [];
  #waiter: (() => void) | null = null;
  #stderr = "";
  #exit: string | null = null;

  /**
   * Starts `command` with the file-descriptor limit raised to the hard limit
   * (10,000 idle connections need more than the common soft limit of 1024).
   */
  constructor(label: string, command: Command, cwd: string) {
    this.#label = label;
    const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
    this.#proc = spawn("sh", ["-c", script, "sh", command.bin, ...command.args], {
      cwd,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let pending = "";
    this.#proc.stdout!.setEncoding("utf8");
    this.#proc.stdout!.on("data", (text: string) => {
      pending += text;
      let nl = pending.indexOf("\n");
      while (nl !== -1) {
        this.#take(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
    });
    this.#proc.stderr!.setEncoding("utf8");
    this.#proc.stderr!.on("data", (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-kStderrKeep);
    });
    this.#proc.on("exit", (code, signal) => {
      this.#exit = signal ?? `code ${code}`;
      this.#wake();
    });
    this.#proc.stdin!.on("error", () => {
      // The child exited first; its exit is what gets reported.
    });
  }

  #take(line: string): void {
    try {
      this.#messages.push(JSON.parse(line) as Message);
    } catch {
      // Stray output (a runtime warning) is not part of the protocol.
      return;
    }
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  /** Resolves to the next message named `event`; an `error` message, an exit or the time limit rejects. */
  async next(event: string, timeoutMs: number): Promise<Message> {
    const deadline = performance.now() + timeoutMs;
    while (true) {
      const message = this.#messages.shift();
      if (message?.event === event) return message;
      if (message?.event === "error") throw this.#fail(String(message.message));
      if (message !== undefined) continue;
      if (this.#exit !== null) throw this.#fail(`exited (${this.#exit}) before "${event}"`);
      const left = deadline - performance.now();
      if (left <= 0) throw this.#fail(`no "${event}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  #fail(why: string): Error {
    const tail = this.#stderr.trim();
    return new Error(`${this.#label}: ${why}${tail === "" ? "" : `\n${tail}`}`);
  }

  /** Sends one command line. */
  send(line: string): void {
    if (this.#exit === null) this.#proc.stdin!.write(line + "\n");
  }

  /** Closes stdin (the child exits by itself), and kills it if it lingers. */
  async stop(): Promise<void> {
    if (this.#exit !== null) return;
    this.#proc.stdin!.end();
    const exited = new Promise<void>((resolve) => this.#proc.once("exit", () => resolve()));
    const timer = setTimeout(() => this.#proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts the server `command`, waits for its "listening" line, runs `body`
 * with its port, and stops it whatever `body` did.
 */
export async function withServerChild<T>(
  label: string,
  command: Command,
  cwd: string,
  body: (server: Child, port: number) => Promise<T>,
): Promise<T> {
  const server = new Child(label, command, cwd);
  try {
    const ready = await server.next("listening", 20_000);
    return await body(server, Number(ready.port));
  } finally {
    await server.stop();
  }
}
