type LockPackage = {
  version?: string;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  optional?: boolean;
};
type Lock = { packages: Record<string, LockPackage> };

const OS = ["darwin", "win32", "linux", "freebsd", "android"];
const CPU = ["arm64", "x64", "ia32", "arm"];

/** Optional dependencies named in the lock but without an entry of their own, with the entry they need. */
export function findMissingOptionalEntries(lock: Lock): Array<{ path: string; value: LockPackage }> {
  const missing: Array<{ path: string; value: LockPackage }> = [];
  for (const [, pkg] of Object.entries(lock.packages)) {
    for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
      const path = `node_modules/${name}`;
      if (lock.packages[path]) continue;
      const os = OS.find((o) => name.includes(o));
      const cpu = CPU.find((c) => new RegExp(`[-_]${c}(\\b|[-_])`).test(name));
      if (os && cpu) missing.push({ path, value: { version, cpu: [cpu], os: [os], optional: true } });
    }
  }
  return missing;
}
