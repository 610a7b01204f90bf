export default function Loading() {
  return (
    <div className="page" role="status" aria-busy="true" aria-label="Loading">
      <div className="skeleton" style={{ width: 220, height: 24, marginBottom: 10 }} />
      <div className="skeleton" style={{ width: 420, height: 14, marginBottom: 24 }} />
      <div className="card card-body stack">
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} className="skeleton" style={{ height: 18 }} />
        ))}
      </div>
    </div>
  );
}
