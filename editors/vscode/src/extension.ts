// extension.ts starts layerls for Dockerfiles and keeps it in step with the
// settings. What can be checked without VS Code lives in settings.ts and
// serverPath.ts.
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
} from "vscode-languageclient/node";
import { BUILDKIT_CHECK_EXTENSIONS, initializationOptions, Neighbours, needsRestart } from "./settings";
import { localLookup, resolveServerPath, ServerPath } from "./serverPath";

/** INSTALL_URL is the README section that tells how to install layerls. */
const INSTALL_URL = "https://github.com/layerlint/layerlint#install-layerls";
const INSTALL_COMMAND = "go install github.com/layerlint/layerlint/cmd/layerls@latest";

let client: LanguageClient | undefined;
let extensionPath: string | undefined;
let output: vscode.OutputChannel;
let traceOutput: vscode.OutputChannel;
// Restarts run one after the other: a second click waits for the first.
let pending: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel("layerlint");
  traceOutput = vscode.window.createOutputChannel("layerlint (trace)");
  context.subscriptions.push(
    output,
    traceOutput,
    vscode.commands.registerCommand("layerlint.restartServer", () => restart()),
    vscode.commands.registerCommand("layerlint.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (needsRestart((section) => e.affectsConfiguration(section))) {
        output.appendLine("layerlint.serverPath changed: restarting the server");
        void restart();
      } else if (e.affectsConfiguration("layerlint")) {
        sendSettings();
      }
    }),
    // Docker's extension installed or removed: BuildKit's checks move between the servers.
    vscode.extensions.onDidChange(() => sendSettings()),
  );
  await restart();
}

export function deactivate(): Promise<void> {
  return stop();
}

/** neighbours looks at the other installed extensions. */
function neighbours(): Neighbours {
  return { buildkitChecksReported: BUILDKIT_CHECK_EXTENSIONS.some((id) => vscode.extensions.getExtension(id) !== undefined) };
}

/**
 * sendSettings sends the server the settings it reads, as
 * initializationOptions carries them (not the raw "layerlint" section:
 * "auto" values are resolved here).
 */
function sendSettings(): void {
  const c = client;
  if (c === undefined || !c.isRunning()) {
    return;
  }
  const settings = initializationOptions(vscode.workspace.getConfiguration("layerlint"), neighbours());
  void c.sendNotification(DidChangeConfigurationNotification.type, { settings });
}

function restart(): Promise<void> {
  pending = pending.then(async () => {
    await stop();
    await start();
  });
  return pending;
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c === undefined) {
    return;
  }
  try {
    await c.stop();
  } catch (err) {
    output.appendLine(`stopping layerls: ${String(err)}`);
  }
}

async function start(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const config = vscode.workspace.getConfiguration("layerlint");
  const server = resolveServerPath(localLookup(config.get<string>("serverPath") ?? "", folder, extensionPath));
  if (!server.found) {
    reportNotFound(server);
    return;
  }
  output.appendLine(`starting ${server.path}`);
  const n = neighbours();
  if (n.buildkitChecksReported) {
    output.appendLine(`${BUILDKIT_CHECK_EXTENSIONS.join(", ")} reports BuildKit's checks: layerlint.buildkitChecks "auto" leaves them to it`);
  }

  const serverOptions: ServerOptions = { command: server.path, args: ["--stdio"] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "dockerfile" }],
    // didChangeConfiguration carries {"settings": {"layerlint": {...}}}, sent by sendSettings.
    initializationOptions: initializationOptions(config, neighbours()),
    middleware: {
      // VS Code draws the inlay hints; the lenses, which repeat them for editors without hints, would
      // show every size twice.
      provideCodeLenses: () => [],
    },
    outputChannel: output, // the server's stderr: its log
    traceOutputChannel: traceOutput,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
  };
  const c = new LanguageClient("layerlint", "layerlint", serverOptions, clientOptions);
  client = c;
  try {
    await c.start();
  } catch (err) {
    output.appendLine(`starting ${server.path}: ${String(err)}`);
    void vscode.window
      .showErrorMessage(`layerlint: ${server.path} did not start: ${String(err)}`, "Show log")
      .then((choice) => choice === "Show log" && output.show(true));
  }
}

function reportNotFound(server: Extract<ServerPath, { found: false }>): void {
  const message = server.fromSetting
    ? `layerlint: layerls not found at ${server.tried[0]} (layerlint.serverPath).`
    : `layerlint: the layerls language server is not on PATH. Install it with "${INSTALL_COMMAND}", or set layerlint.serverPath.`;
  output.appendLine(message);
  output.appendLine(`looked for: ${server.tried.join(", ")}`);
  void vscode.window.showErrorMessage(message, "How to install", "Open settings").then((choice) => {
    if (choice === "How to install") {
      void vscode.env.openExternal(vscode.Uri.parse(INSTALL_URL));
    } else if (choice === "Open settings") {
      void vscode.commands.executeCommand("workbench.action.openSettings", "layerlint.serverPath");
    }
  });
}
