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
export function serverSettings(config: SettingsReader): ServerSettings {
  const s: ServerSettings = {
    hints: {
      size: config.get<boolean>("hints.size") ?? true,
      cache: config.get<boolean>("hints.cache") ?? true,
    },
    failureThreshold: "info",
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
 * initializationOptions is the initialize request's initializationOptions:
 * {"layerlint": {...}}, the same shape as the settings that
 * workspace/didChangeConfiguration carries under "settings".
 */
export function initializationOptions(config: SettingsReader): { layerlint: ServerSettings } {
  return { layerlint: serverSettings(config) };
}

/**
 * needsRestart tells whether a configuration change can only take effect by
 * starting the server again (its path); everything else the server takes
 * through workspace/didChangeConfiguration.
 */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return affects("layerlint.serverPath");
}
