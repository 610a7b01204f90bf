"use client";

import { toast } from "@/components/toaster";

/** Copies text to the clipboard (and says so); `label` names what is copied for screen readers. */
export function CopyButton({
  text,
  label = "Copy",
  className = "btn btn-sm",
}: {
  text: string;
  label?: string;
  className?: string;
}) {
  return (
    <button
      type="button"
      className={className}
      onClick={() => {
        navigator.clipboard?.writeText(text).then(
          () => toast("Copied"),
          () => toast("Copy failed — select the text instead", "danger"),
        );
      }}
    >
      {label}
    </button>
  );
}

/** Offers text as a file download without a round trip to the server. */
export function DownloadButton({
  text,
  fileName,
  label = "Download",
  type = "text/yaml",
}: {
  text: string;
  fileName: string;
  label?: string;
  type?: string;
}) {
  return (
    <button
      type="button"
      className="btn btn-sm"
      onClick={() => {
        const url = URL.createObjectURL(new Blob([text], { type }));
        const a = document.createElement("a");
        a.href = url;
        a.download = fileName;
        a.click();
        URL.revokeObjectURL(url);
      }}
    >
      {label}
    </button>
  );
}
