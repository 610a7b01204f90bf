"use client";

import { useEscapeKey } from "@/components/use-escape-key";
import { RegoDiffEditor } from "@/components/monaco";
import { timeAgo } from "@/components/format";
import type { WorkbenchVersion } from "./policy-workbench";

export type Conflict = { current: WorkbenchVersion; yours: string };

export function ConflictDialog({
  conflict,
  onTakeTheirs,
  onSaveMineOnTop,
  onClose,
}: {
  conflict: Conflict;
  onTakeTheirs: () => void;
  onSaveMineOnTop: () => void;
  onClose: () => void;
}) {
  useEscapeKey(onClose);
  return (
    <div className="dialog-backdrop" role="presentation">
      <div className="dialog dialog-wide" role="dialog" aria-modal="true" aria-labelledby="conflict-title">
        <header>
          <h2 id="conflict-title">Someone saved first</h2>
          <p className="muted">
            {conflict.current.author.name} saved version {conflict.current.number} {timeAgo(conflict.current.createdAt)}
            {conflict.current.message ? ` (“${conflict.current.message}”)` : ""}. Nothing of yours was written. Left:
            their version; right: yours.
          </p>
        </header>
        <div className="dialog-body">
          <div className="editor-frame">
            <RegoDiffEditor original={conflict.current.source} modified={conflict.yours} height={420} />
          </div>
        </div>
        <footer>
          <button type="button" className="btn" onClick={onClose}>
            Keep editing
          </button>
          <button type="button" className="btn" onClick={onTakeTheirs}>
            Discard mine, load theirs
          </button>
          <button type="button" className="btn btn-primary" onClick={onSaveMineOnTop} autoFocus>
            Save mine as v{conflict.current.number + 1}
          </button>
        </footer>
      </div>
    </div>
  );
}
