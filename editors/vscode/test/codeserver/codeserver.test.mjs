// The layerlint extension inside a real VS Code: code-server (VS Code for the browser) with the .vsix
// installed, opened on the app-v2 fixture, driven by Debian's chromium through playwright-core. run.sh
// sets the environment: CODE_SERVER_ENTRY, LAYERLINT_VSIX, LAYERLS_BIN, LAYERLS_FIXTURE, ARTIFACTS.
// LAYERLS_BIN=bundled leaves layerlint.serverPath unset: a platform package must run its own bin/layerls.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const env = (name) => {
  const v = process.env[name];
  assert.ok(v, `${name} is not set (run this through run.sh)`);
  return v;
};
const entry = env("CODE_SERVER_ENTRY");
const vsix = env("LAYERLINT_VSIX");
const layerls = env("LAYERLS_BIN");
const fixture = env("LAYERLS_FIXTURE");
const artifacts = env("ARTIFACTS");
const repo = path.resolve(fixture, "../../..");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "layerlint-codeserver-"));
const userData = path.join(tmp, "user-data");
const extensions = path.join(tmp, "extensions");
const workspace = path.join(tmp, "workspace");
let server;
let browser;
let page;
let serverLog = "";

// editorText is the editor's visible text with VS Code's spaces (non-breaking, and the hair spaces that pad
// inlay hints) made plain.
const editorText = () =>
  page.evaluate(() => (document.querySelector(".editor-group-container .view-lines")?.textContent ?? "").replace(/[\u00a0\u2000-\u200b]/g, " "));

async function waitFor(what, fn, timeout = 60000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) {
      return last;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await page.screenshot({ path: path.join(artifacts, "vscode-timeout.png") });
  console.log(`editor text: ${JSON.stringify((await editorText()).slice(0, 300))}`);
  assert.fail(`timed out waiting for ${what} (screenshot: ${path.join(artifacts, "vscode-timeout.png")})`);
}

async function runCommand(title) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget .quick-input-box input", { state: "visible", timeout: 10000 });
  await page.keyboard.type(title);
  await waitFor(`the command "${title}" in the palette`, () =>
    page.evaluate((t) => Array.from(document.querySelectorAll(".quick-input-list .monaco-list-row")).some((r) => r.textContent.includes(t)), title),
  );
  await page.keyboard.press("Enter");
}

before(async () => {
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(artifacts, { recursive: true });
  fs.copyFileSync(path.join(fixture, "Dockerfile"), path.join(workspace, "Dockerfile"));
  fs.writeFileSync(
    path.join(workspace, ".layerlint.yaml"),
    `image: ${path.join(repo, "testdata/images/app-v2.tar")}\ncontext: ${path.join(repo, "testdata/images/app-v2")}\n`,
  );
  fs.writeFileSync(
    path.join(userData, "User", "settings.json"),
    JSON.stringify({
      ...(layerls === "bundled" ? {} : { "layerlint.serverPath": layerls }),
      "workbench.startupEditor": "none",
      "security.workspace.trust.enabled": false,
      "telemetry.telemetryLevel": "off",
      "extensions.autoCheckUpdates": false,
      "update.mode": "none",
    }),
  );
  const common = ["--config", path.join(tmp, "config.yaml"), "--user-data-dir", userData, "--extensions-dir", extensions];
  const install = spawnSync(process.execPath, [entry, ...common, "--install-extension", vsix], { encoding: "utf8" });
  assert.equal(install.status, 0, `code-server --install-extension: ${install.stdout}${install.stderr}`);
  assert.match(install.stdout, /successfully installed/);

  server = spawn(
    process.execPath,
    [entry, ...common, "--auth", "none", "--bind-addr", "127.0.0.1:0", "--disable-telemetry", "--disable-update-check",
      "--disable-workspace-trust", "--disable-getting-started-override", workspace],
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start:\n${serverLog}`)), 60000);
    const onData = (d) => {
      serverLog += d;
      const m = serverLog.match(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
    server.on("exit", (code) => reject(new Error(`code-server exited with ${code}:\n${serverLog}`)));
  });

  // A closed network refuses chromium's own connections: turn them all off. playwright starts chromium
  // with an empty profile of its own.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM"); // its whole process group: the extension host and layerls too
    } catch {
      // already gone
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("the extension activates on a Dockerfile and VS Code draws layerls's inlay hints", async () => {
  await page.click('.explorer-folders-view .monaco-list-row[aria-label="Dockerfile"]');
  const text = await waitFor("the hints +406 B and cached", async () => {
    const t = await editorText();
    return t.includes("COPY static/ /app/static/ +406 B cached") && t;
  });
  // The hints are VS Code's own inlay-hint decorations, not text in the document.
  const labels = await page.evaluate(() =>
    Array.from(document.querySelectorAll(".editor-group-container .view-lines [class*='dyn-rule']")).map((e) => e.textContent.replace(/[\u00a0\u2000-\u200b]/g, " ")),
  );
  assert.ok(labels.includes("+406 B") && labels.includes("+2.0 MB") && labels.includes("cached"), `hint decorations: ${labels.slice(0, 12)}`);
  assert.ok(text.includes("FROM ${BASE} +2.0 MB cached"), text.slice(0, 400));
  // The same text as code lenses would be drawn twice: the extension leaves them to editors without hints.
  // VS Code asks for lenses after a delay of its own, so look after giving them time to appear.
  await page.waitForTimeout(5000);
  assert.equal(await page.locator(".contentWidgets .codelens-decoration, .codelens-decoration").count(), 0, "code lenses drawn besides the hints");
  await page.screenshot({ path: path.join(artifacts, "vscode-hints.png") });
});

test("layerlint's findings are in VS Code's Problems panel and drawn as squiggles", async () => {
  await page.keyboard.press("Control+Shift+M");
  const problems = await waitFor("RemovedInLaterLayer and SeparateChown in Problems", async () => {
    const t = await page.evaluate(() => document.querySelector(".markers-panel")?.innerText ?? "");
    return t.includes("RemovedInLaterLayer") && t.includes("SeparateChown") && t;
  });
  assert.match(problems, /rm deletes \/app\/static\/old\.js, created by COPY on line 7/);
  assert.ok((await page.locator(".editor-group-container .squiggly-warning").count()) > 0, "no warning squiggles");
});

test("layerlint: Restart server starts layerls again and the hints come back", async () => {
  await runCommand("layerlint: Restart server");
  await runCommand("layerlint: Show server log");
  const started = await waitFor("a second 'starting' in the layerlint output channel", async () => {
    const log = await page.evaluate(() => document.querySelector(".part.panel .view-lines")?.textContent.replace(/[\u00a0\u2000-\u200b]/g, " ") ?? "");
    const runs = log.match(/starting (\S*layerls)/g) ?? [];
    return runs.length >= 2 && runs;
  });
  const want = layerls === "bundled" ? path.join(extensions, "layerlint.layerlint-") : layerls;
  assert.ok(started.every((s) => s.startsWith(`starting ${want}`)), `started ${started}, want ${want}…`);
  await waitFor("the hints after the restart", async () => (await editorText()).includes("COPY static/ /app/static/ +406 B cached"));
});

test("a layerls that is not there is reported, with the way to install it", async () => {
  fs.mkdirSync(path.join(workspace, ".vscode"));
  fs.writeFileSync(path.join(workspace, ".vscode", "settings.json"), JSON.stringify({ "layerlint.serverPath": "/nonexistent/layerls" }));
  const toast = await waitFor("the not-found notification", async () => {
    const t = await page.evaluate(() => document.querySelector(".notifications-toasts")?.innerText ?? "");
    return t.includes("layerls not found") && t;
  });
  assert.match(toast, /layerls not found at \/nonexistent\/layerls \(layerlint\.serverPath\)/);
  assert.match(toast, /How to install/);
  await page.screenshot({ path: path.join(artifacts, "vscode-not-found.png") });
});
