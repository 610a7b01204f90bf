import Link from "next/link";

export default function NotFound() {
  return (
    <div className="page">
      <div className="card empty">
        <h2>Not found</h2>
        <p>This page does not exist, or your roles do not include it.</p>
        <Link href="/" className="btn">
          Go to the start page
        </Link>
      </div>
    </div>
  );
}
