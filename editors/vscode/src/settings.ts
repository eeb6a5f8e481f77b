// settings.ts turns the extension's settings into what layerls reads. It does
// not import vscode, so node's test runner checks it without VS Code.

/** FailureThreshold is the lowest severity layerls reports as a diagnostic. */
export type FailureThreshold = "error" | "warning" | "info" | "none";

/** ServerSettings is the "layerlint" object of layerls's settings contract. */
export interface ServerSettings {
  image?: string;
  context?: string;
  hints: { size: boolean; cache: boolean };
  failureThreshold: FailureThreshold;
  buildkitChecks: "on" | "off";
}

/**
 * BUILDKIT_CHECK_EXTENSIONS are the extensions whose Dockerfile server
 * already reports BuildKit's build checks: Docker's own (Docker DX, with
 * docker-language-server). With one of them installed, layerlint.buildkitChecks
 * "auto" turns layerls's copy of those checks off.
 */
export const BUILDKIT_CHECK_EXTENSIONS: readonly string[] = ["docker.docker"];

/** Neighbours is what the extension knows about the other extensions. */
export interface Neighbours {
  /** buildkitChecksReported: another extension's server reports BuildKit's checks. */
  buildkitChecksReported: boolean;
}

/**
 * SettingsReader is the part of vscode.WorkspaceConfiguration that the
 * mapping uses: get(key) for a key under "layerlint.".
 */
export interface SettingsReader {
  get<T>(key: string): T | undefined;
}

const thresholds: readonly FailureThreshold[] = ["error", "warning", "info", "none"];

/**
 * serverSettings reads the settings layerls understands. Empty image and
 * context are left out, so the server falls back to .layerlint.yaml; an
 * unknown threshold becomes the server's default, "info".
 */
export function serverSettings(config: SettingsReader, neighbours: Neighbours = { buildkitChecksReported: false }): ServerSettings {
  const s: ServerSettings = {
    hints: {
      size: config.get<boolean>("hints.size") ?? true,
      cache: config.get<boolean>("hints.cache") ?? true,
    },
    failureThreshold: "info",
    buildkitChecks: buildkitChecks(config.get<string>("buildkitChecks"), neighbours),
  };
  const image = (config.get<string>("image") ?? "").trim();
  if (image !== "") {
    s.image = image;
  }
  const context = (config.get<string>("context") ?? "").trim();
  if (context !== "") {
    s.context = context;
  }
  const threshold = config.get<string>("failureThreshold");
  if (threshold !== undefined && (thresholds as readonly string[]).includes(threshold)) {
    s.failureThreshold = threshold as FailureThreshold;
  }
  return s;
}

/**
 * buildkitChecks resolves layerlint.buildkitChecks: "on" and "off" as set;
 * "auto" (the default, and anything else) is "off" when another extension's
 * server already reports BuildKit's checks, so none is shown twice.
 */
export function buildkitChecks(setting: string | undefined, neighbours: Neighbours): "on" | "off" {
  if (setting === "on" || setting === "off") {
    return setting;
  }
  return neighbours.buildkitChecksReported ? "off" : "on";
}

/**
 * initializationOptions is the initialize request's initializationOptions:
 * {"layerlint": {...}}, the same shape as the settings that the extension
 * sends with workspace/didChangeConfiguration under "settings".
 */
export function initializationOptions(config: SettingsReader, neighbours?: Neighbours): { layerlint: ServerSettings } {
  return { layerlint: serverSettings(config, neighbours) };
}

/**
 * needsRestart tells whether a configuration change can only take effect by
 * starting the server again (its path); everything else the server takes
 * through workspace/didChangeConfiguration.
 */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return affects("layerlint.serverPath");
}
