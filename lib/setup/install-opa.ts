import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findOpaCandidates, OPA_VERSION, opaVersionOf, PROJECT_OPA_PATH } from "@/lib/opa/opa-binary";
import { StartupProblem } from "./startup-problem";

const OPA_FIX = `install Go (then npm start builds it), or put an opa ${OPA_VERSION} binary somewhere and set OPA_BIN to it`;

/**
 * Makes sure the pinned OPA is available and returns its path: OPA_BIN, .tools/bin/opa, or `opa`
 * on PATH if it is the pinned version; otherwise `go install` into .tools/bin when Go is present,
 * else the official release binary.
 */
export async function ensureOpa(log: (line: string) => void): Promise<string> {
  for (const candidate of findOpaCandidates()) {
    const version = opaVersionOf(candidate);
    if (version === OPA_VERSION) return candidate;
    log(`ignoring ${candidate}: it is OPA ${version ?? "(unknown version)"}, Verdict pins ${OPA_VERSION}`);
  }
  mkdirSync(path.dirname(PROJECT_OPA_PATH), { recursive: true });
  if (hasGo()) {
    log(`building OPA ${OPA_VERSION} with \`go install\` into .tools/bin (a few minutes the first time)…`);
    const result = spawnSync("go", ["install", `github.com/open-policy-agent/opa@v${OPA_VERSION}`], {
      env: { ...process.env, GOBIN: path.dirname(PROJECT_OPA_PATH), GOFLAGS: "-mod=mod" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (result.status !== 0) {
      throw new StartupProblem(
        "opa-unavailable",
        `\`go install\` of OPA ${OPA_VERSION} failed (exit ${result.status})`,
        `fix the Go error above, or set OPA_BIN to an opa ${OPA_VERSION} binary`,
      );
    }
  } else {
    await downloadRelease(log);
  }
  const version = opaVersionOf(PROJECT_OPA_PATH);
  if (version !== OPA_VERSION) throw new Error(`installed OPA reports version ${version}, expected ${OPA_VERSION}`);
  log(`OPA ${OPA_VERSION} ready at ${PROJECT_OPA_PATH}`);
  return PROJECT_OPA_PATH;
}

function hasGo(): boolean {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function downloadRelease(log: (line: string) => void): Promise<void> {
  const arch = process.arch === "arm64" ? "arm64" : "amd64";
  const os = process.platform === "darwin" ? "darwin" : "linux";
  const suffix = arch === "arm64" || os === "darwin" ? "" : "_static";
  const url = `https://github.com/open-policy-agent/opa/releases/download/v${OPA_VERSION}/opa_${os}_${arch}${suffix}`;
  log(`downloading OPA ${OPA_VERSION} from ${url}…`);
  const unavailable = (why: string) =>
    new StartupProblem("opa-unavailable", `OPA ${OPA_VERSION} is not installed, Go is missing, and ${why}`, OPA_FIX);
  const get = async (address: string) => {
    try {
      return await fetch(address);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw unavailable(
        `downloading it from ${new URL(address).host} failed (${cause?.code ?? cause?.message ?? error})`,
      );
    }
  };
  const response = await get(url);
  if (!response.ok) throw unavailable(`downloading it failed (HTTP ${response.status})`);
  const binary = Buffer.from(await response.arrayBuffer());
  // The release publishes a checksum beside each binary; refuse anything that does not match it.
  const sums = await get(`${url}.sha256`);
  const expected = sums.ok ? (await sums.text()).trim().split(/\s+/)[0] : undefined;
  const actual = createHash("sha256").update(binary).digest("hex");
  if (!expected || expected !== actual) throw unavailable("the downloaded binary does not match its published sha256");
  writeFileSync(PROJECT_OPA_PATH, binary);
  chmodSync(PROJECT_OPA_PATH, 0o755);
  if (!existsSync(PROJECT_OPA_PATH)) throw new Error("OPA download did not produce a binary");
}
