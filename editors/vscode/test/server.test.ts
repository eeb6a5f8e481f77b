// The settings as this extension sends them, against the real layerls: the
// messages VS Code's language client sends (initializationOptions from
// settings.ts, then didChangeConfiguration with the same object, as the
// extension's sendSettings sends it), spoken over vscode-jsonrpc, the
// client library's own transport. Runs when LAYERLS_BIN names a layerls
// binary (scripts/test.sh builds one; LAYERLS_FIXTURE may name the fixture
// directory); skipped otherwise.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { initializationOptions, SettingsReader } from "../src/settings";

const bin = process.env.LAYERLS_BIN ?? "";
// The fixture shared with the Neovim test: app-v2's Dockerfile beside a
// .layerlint.yaml naming the image built from it.
const fixture = process.env.LAYERLS_FIXTURE ?? path.resolve(__dirname, "../../../testdata/app-v2");
const skip = bin === "" ? "LAYERLS_BIN not set" : false;

interface Hint {
  position: { line: number; character: number };
  label: string | { value: string }[];
}
interface Diagnostic {
  code?: string | number;
  source?: string;
  range: { start: { line: number } };
}

function reader(values: Record<string, unknown>): SettingsReader {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

// session starts layerls with the initializationOptions the extension makes
// from settings (keys as in VS Code, under "layerlint."), sends them again
// with didChangeConfiguration as the extension does, opens the fixture and
// returns helpers to query it.
async function session(settings: Record<string, unknown>) {
  const proc = spawn(bin, ["--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const diagnostics: Diagnostic[][] = [];
  conn.onNotification("textDocument/publishDiagnostics", (p: { diagnostics: Diagnostic[] }) => {
    diagnostics.push(p.diagnostics);
  });
  conn.onRequest("workspace/inlayHint/refresh", () => null);
  conn.onRequest("workspace/configuration", () => []);
  conn.onRequest("client/registerCapability", () => null);
  conn.onRequest("window/workDoneProgress/create", () => null);
  conn.listen();

  const rootUri = pathToFileURL(fixture).href;
  const uri = pathToFileURL(path.join(fixture, "Dockerfile")).href;
  await conn.sendRequest("initialize", {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: "app-v2" }],
    capabilities: { workspace: { configuration: false, inlayHint: { refreshSupport: true } } },
    initializationOptions: initializationOptions(reader(settings)),
  });
  await conn.sendNotification("initialized", {});
  // What the extension's sendSettings sends on a change of the "layerlint" section.
  await conn.sendNotification("workspace/didChangeConfiguration", { settings: initializationOptions(reader(settings)) });
  await conn.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "dockerfile", version: 1, text: fs.readFileSync(path.join(fixture, "Dockerfile"), "utf8") },
  });

  const hints = () =>
    conn.sendRequest("textDocument/inlayHint", {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
    }) as Promise<Hint[] | null>;
  const close = async () => {
    await conn.sendRequest("shutdown");
    await conn.sendNotification("exit");
    conn.dispose();
    proc.kill();
  };
  return { hints, diagnostics, close, stderr: () => stderr };
}

// until polls f until ok(value) holds, for at most 20 s.
async function until<T>(f: () => Promise<T> | T, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20000;
  let v = await f();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await f();
  }
  return v;
}

const text = (h: Hint) => (typeof h.label === "string" ? h.label : h.label.map((p) => p.value).join(""));
const copyLine = 6; // COPY static/ /app/static/
const isSize = (t: string) => /^(\+[\d.]+ [kMGT]?B|0 B)$/.test(t);

test("defaults: sizes and cache status from .layerlint.yaml, findings as diagnostics", { skip }, async () => {
  const s = await session({});
  try {
    const hints = await until(s.hints, (h) => (h ?? []).some((x) => x.position.line === copyLine && isSize(text(x))));
    const onCopy = (hints ?? []).filter((h) => h.position.line === copyLine).map(text);
    assert.ok(onCopy.some(isSize), `size hint on line 7: ${JSON.stringify(onCopy)} ${s.stderr()}`);
    assert.ok(onCopy.includes("cached"), `cached on line 7: ${JSON.stringify(onCopy)}`);
    const diags = await until(
      () => s.diagnostics.at(-1) ?? [],
      (d) => d.some((x) => x.code === "RemovedInLaterLayer"),
    );
    const found = diags.find((d) => d.code === "RemovedInLaterLayer");
    assert.equal(found?.source, "layerlint");
    assert.equal(found?.range.start.line, 25);
  } finally {
    await s.close();
  }
});

test("hints.size off leaves the cache status only; threshold none publishes no findings", { skip }, async () => {
  const s = await session({ "hints.size": false, failureThreshold: "none" });
  try {
    const hints = await until(s.hints, (h) => (h ?? []).some((x) => text(x) === "cached"));
    assert.ok((hints ?? []).some((h) => text(h) === "cached"), "cache status still shown");
    assert.deepEqual((hints ?? []).map(text).filter(isSize), [], "no size hints");
    await until(
      () => s.diagnostics.length,
      (n) => n > 0,
    );
    const last = s.diagnostics.at(-1) ?? [];
    assert.deepEqual(last.filter((d) => d.source === "layerlint"), [], "no layerlint diagnostics");
  } finally {
    await s.close();
  }
});
