// A small set of stroke icons (Lucide-style paths) so pages need no icon font or CDN.
type IconProps = { className?: string; title?: string };

function Icon({ d, className, title }: IconProps & { d: string }) {
  return (
    // biome-ignore lint/a11y/noSvgWithoutTitle: an icon with a title gets <title> and role="img"; one without is aria-hidden
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      className={className}
      aria-hidden={title ? undefined : true}
      role={title ? "img" : undefined}
    >
      {title ? <title>{title}</title> : null}
      <path d={d} />
    </svg>
  );
}

export const PolicyIcon = (p: IconProps) => <Icon {...p} d="M12 2 4 5v6c0 5 3.5 9.5 8 11 4.5-1.5 8-6 8-11V5l-8-3Z" />;
export const ReviewIcon = (p: IconProps) => (
  <Icon {...p} d="M9 11l3 3 8-8M20 12v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h9" />
);
export const BundleIcon = (p: IconProps) => <Icon {...p} d="M21 8 12 3 3 8v8l9 5 9-5V8ZM3 8l9 5 9-5M12 13v8" />;
export const AllowlistIcon = (p: IconProps) => <Icon {...p} d="M16 11V7a4 4 0 0 0-8 0v4M5 11h14v10H5zM12 15v2" />;
export const FleetIcon = (p: IconProps) => <Icon {...p} d="M4 6h16M4 12h16M4 18h16M8 6v0M8 12v0M8 18v0" />;
export const DecisionIcon = (p: IconProps) => <Icon {...p} d="M3 3v18h18M7 15l4-4 3 3 6-6" />;
export const AuditIcon = (p: IconProps) => (
  <Icon {...p} d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8l-6-6ZM14 2v6h6M8 13h8M8 17h5" />
);
export const UsersIcon = (p: IconProps) => (
  <Icon
    {...p}
    d="M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8ZM23 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75"
  />
);
export const KeyIcon = (p: IconProps) => (
  <Icon
    {...p}
    d="M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.78 7.78 5.5 5.5 0 0 1 7.78-7.78Zm0 0L15.5 7.5m0 0 3 3L22 7l-3-3m-3.5 3.5L19 4"
  />
);
export const SearchIcon = (p: IconProps) => <Icon {...p} d="M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16ZM21 21l-4.35-4.35" />;
export const PlusIcon = (p: IconProps) => <Icon {...p} d="M12 5v14M5 12h14" />;
export const HistoryIcon = (p: IconProps) => <Icon {...p} d="M3 3v5h5M3.05 13A9 9 0 1 0 6 5.3L3 8M12 7v5l4 2" />;
export const TestIcon = (p: IconProps) => (
  <Icon {...p} d="M9 2v6L4 18a2 2 0 0 0 1.8 3h12.4a2 2 0 0 0 1.8-3L15 8V2M8 2h8M7 14h10" />
);
export const CheckIcon = (p: IconProps) => <Icon {...p} d="M20 6 9 17l-5-5" />;
export const AlertIcon = (p: IconProps) => (
  <Icon {...p} d="M12 9v4M12 17h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" />
);
export const BellIcon = (p: IconProps) => (
  <Icon {...p} d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0" />
);
export const OverviewIcon = (p: IconProps) => <Icon {...p} d="M3 3h7v9H3zM14 3h7v5h-7zM14 12h7v9h-7zM3 16h7v5H3z" />;
export const DownloadIcon = (p: IconProps) => (
  <Icon {...p} d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3" />
);
export const PlayIcon = (p: IconProps) => <Icon {...p} d="M6 4l14 8-14 8V4Z" />;
export const PauseIcon = (p: IconProps) => <Icon {...p} d="M6 4h4v16H6zM14 4h4v16h-4z" />;
export const ReplayIcon = (p: IconProps) => <Icon {...p} d="M1 4v6h6M3.51 15a9 9 0 1 0 2.13-9.36L1 10" />;
