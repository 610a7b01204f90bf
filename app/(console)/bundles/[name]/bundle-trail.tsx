/** The breadcrumb trail of a page below a bundle's own page. */
export function bundleTrail(bundle: string) {
  return [
    { href: "/bundles", label: "Bundles" },
    { href: `/bundles/${bundle}`, label: <span className="mono">{bundle}</span> },
  ];
}
