// serverPath.ts finds the layerls binary. It does not import vscode, so node's
// test runner checks it without VS Code.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** ServerLookup is what resolveServerPath needs from the machine. */
export interface ServerLookup {
  /** setting is layerlint.serverPath ("" when unset). */
  setting: string;
  /** workspaceFolder is the first workspace folder's path, if any. */
  workspaceFolder?: string;
  /**
   * extensionPath is the extension's own directory: a platform package
   * carries layerls in its bin/ (scripts/dist.sh puts it there).
   */
  extensionPath?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
  /** isExecutable tells whether path is a file the user may run. */
  isExecutable(p: string): boolean;
}

/** ServerPath is the binary found, or the places that were tried. */
export type ServerPath = { found: true; path: string } | { found: false; tried: string[]; fromSetting: boolean };

/** SERVER_NAME is the binary's name without a Windows extension. */
export const SERVER_NAME = "layerls";

/**
 * resolveServerPath finds layerls: the setting when it is set (~ and a path
 * relative to the workspace folder are expanded; nothing else is tried, so a
 * wrong setting is reported rather than silently bypassed), else the one the
 * extension brings in its bin/ (platform packages), else the first layerls on
 * PATH, else $GOBIN, $GOPATH/bin and ~/go/bin, where `go install` puts it
 * (VS Code started from a desktop often has a PATH without them).
 */
export function resolveServerPath(l: ServerLookup): ServerPath {
  const exe = l.platform === "win32" ? SERVER_NAME + ".exe" : SERVER_NAME;
  const p = l.platform === "win32" ? path.win32 : path.posix;
  const setting = l.setting.trim();
  if (setting !== "") {
    let candidate = setting;
    if (candidate === "~" || candidate.startsWith("~/")) {
      candidate = p.join(l.homedir, candidate.slice(1));
    } else if (!p.isAbsolute(candidate) && l.workspaceFolder !== undefined) {
      candidate = p.join(l.workspaceFolder, candidate);
    }
    const tried = [candidate];
    if (l.platform === "win32" && !candidate.toLowerCase().endsWith(".exe")) {
      tried.push(candidate + ".exe");
    }
    for (const c of tried) {
      if (l.isExecutable(c)) {
        return { found: true, path: c };
      }
    }
    return { found: false, tried, fromSetting: true };
  }

  const dirs: string[] = [];
  if (l.extensionPath !== undefined) {
    dirs.push(p.join(l.extensionPath, "bin"));
  }
  const pathVar = l.env.PATH ?? l.env.Path ?? "";
  const sep = l.platform === "win32" ? ";" : ":";
  for (const d of pathVar.split(sep)) {
    if (d !== "") {
      dirs.push(d);
    }
  }
  if (l.env.GOBIN) {
    dirs.push(l.env.GOBIN);
  }
  for (const gopath of (l.env.GOPATH ?? "").split(sep)) {
    if (gopath !== "") {
      dirs.push(p.join(gopath, "bin"));
    }
  }
  dirs.push(p.join(l.homedir, "go", "bin"));

  const tried: string[] = [];
  for (const d of dirs) {
    const c = p.join(d, exe);
    if (tried.includes(c)) {
      continue;
    }
    tried.push(c);
    if (l.isExecutable(c)) {
      return { found: true, path: c };
    }
  }
  return { found: false, tried, fromSetting: false };
}

/** isExecutableFile is ServerLookup.isExecutable on the real file system. */
export function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) {
      return false;
    }
    if (process.platform !== "win32") {
      fs.accessSync(p, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** localLookup is a ServerLookup for this process's machine. */
export function localLookup(setting: string, workspaceFolder?: string, extensionPath?: string): ServerLookup {
  return {
    setting,
    workspaceFolder,
    extensionPath,
    env: process.env,
    platform: process.platform,
    homedir: os.homedir(),
    isExecutable: isExecutableFile,
  };
}
