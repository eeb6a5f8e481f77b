// End-to-end check of layerls with Microsoft's protocol client (vscode-jsonrpc and
// vscode-languageserver-protocol, as VS Code uses them). Usage:
//
//   node client.js LAYERLS WORKSPACE_DIR
//
// It starts LAYERLS, initializes it for WORKSPACE_DIR, opens WORKSPACE_DIR/Dockerfile, waits for the
// diagnostics and for the inlay hints to carry sizes and cache status, asks for a hover on the first COPY,
// prints {hints, hover, diagnostics} as JSON and shuts the server down. It exits non-zero on any error.
'use strict';
const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const url = require('url');
const rpc = require('vscode-jsonrpc/node');
const lsp = require('vscode-languageserver-protocol/node');

async function main() {
  const [bin, dir] = process.argv.slice(2);
  if (!bin || !dir) throw new Error('usage: node client.js LAYERLS WORKSPACE_DIR');
  const server = cp.spawn(bin, ['--stdio', '--no-cache'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = lsp.createProtocolConnection(
    new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  let refreshes = 0;
  conn.onRequest(lsp.InlayHintRefreshRequest.type, () => { refreshes++; return null; });
  let diagnostics = null;
  const gotDiagnostics = new Promise((resolve) => {
    conn.onNotification(lsp.PublishDiagnosticsNotification.type, (p) => { diagnostics = p; resolve(); });
  });
  conn.listen();

  const file = path.join(dir, 'Dockerfile');
  const uri = url.pathToFileURL(file).toString();
  const text = fs.readFileSync(file, 'utf8');
  const init = await conn.sendRequest(lsp.InitializeRequest.type, {
    processId: process.pid,
    rootUri: url.pathToFileURL(dir).toString(),
    capabilities: { workspace: { inlayHint: { refreshSupport: true } }, textDocument: { inlayHint: {} } },
    initializationOptions: { layerlint: { hints: { size: true, cache: true } } },
  });
  if (!init.capabilities.inlayHintProvider) throw new Error('no inlayHintProvider in ' + JSON.stringify(init));
  await conn.sendNotification(lsp.InitializedNotification.type, {});
  await conn.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'dockerfile', version: 1, text },
  });

  const lines = text.split('\n').length;
  let hints = [];
  const deadline = Date.now() + 60000;
  for (;;) {
    hints = await conn.sendRequest(lsp.InlayHintRequest.type, {
      textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } },
    });
    const sized = hints.some((h) => h.label.startsWith('+'));
    const cached = hints.some((h) => h.label === 'cached' || h.label.startsWith('rebuild'));
    if (sized && cached) break;
    if (Date.now() > deadline) throw new Error('hints never became ready: ' + JSON.stringify(hints));
    await new Promise((r) => setTimeout(r, 50));
  }
  const copyLine = text.split('\n').findIndex((l) => l.startsWith('COPY'));
  const hover = await conn.sendRequest(lsp.HoverRequest.type, {
    textDocument: { uri }, position: { line: copyLine, character: 1 },
  });
  await gotDiagnostics;
  await conn.sendRequest(lsp.ShutdownRequest.type);
  await conn.sendNotification(lsp.ExitNotification.type);
  const code = await new Promise((resolve) => server.on('exit', resolve));
  if (code !== 0) throw new Error('layerls exited with ' + code);
  process.stdout.write(JSON.stringify({ hints, hover, diagnostics, refreshes }, null, 2) + '\n');
  conn.dispose();
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
