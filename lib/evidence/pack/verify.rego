# The logic of an evidence pack's verification, run by verify.sh with the pack's data/ folder and
# the signatures it extracted from each bundle. `report` lists one line per check: "ok ..." or
# "FAIL <where>: <what>".
package verify

import rego.v1

report := array.concat(sort(oks), sort(fails))

fails contains sprintf("FAIL %s: %s", [p.where, p.what]) if some p in problems

oks contains sprintf("ok   change request #%s: content hash and %d approval(s) match", [n, count(cr.approvals)]) if {
	some n, cr in data.change_requests
	not n in cr_problem
}

oks contains sprintf("ok   revision %s: signed files are the approved policy versions", [k]) if {
	some k, _ in data.revisions
	not k in revision_problem
}

oks contains sprintf("ok   audit trail: events %d to %d chain from %s to %s", [a.start.seq, a.end.seq, substring(a.start.prev_hash, 0, 12), substring(a.end.hash, 0, 12)]) if {
	a := data.audit_anchors
	not audit_problem
}

cr_problem contains p.cr if some p in problems

revision_problem contains p.revision if some p in problems

audit_problem if {
	some p in problems
	p.audit
}

# ── change requests: the content hash is the hash of the content, and approvals approved it ──

problems contains {"where": sprintf("change request #%s", [n]), "what": "its content does not hash to its content hash", "cr": n} if {
	some n, cr in data.change_requests
	crypto.sha256(concat("", ["cr-content-v1\n", cr.content])) != cr.content_hash
}

problems contains {"where": sprintf("change request #%s", [n]), "what": sprintf("the approval by %s approved other content (%s)", [a.reviewer, a.content_hash]), "cr": n} if {
	some n, cr in data.change_requests
	some a in cr.approvals
	a.voided_at == null
	a.content_hash != cr.content_hash
}

problems contains {"where": sprintf("change request #%s", [n]), "what": "it was published without an approval of its content", "cr": n} if {
	some n, cr in data.change_requests
	count([a | some a in cr.approvals; a.content_hash == cr.content_hash; a.voided_at == null]) == 0
}

problems contains {"where": sprintf("change request #%s", [n]), "what": sprintf("allowlist change %s does not hash to %s", [s.id, s.sha256]), "cr": n} if {
	some n, cr in data.change_requests
	some s in cr.allowlist_changes
	crypto.sha256(concat("", ["allowlist-change-v1\n", s.payload])) != s.sha256
}

problems contains {"where": sprintf("change request #%s", [n]), "what": sprintf("allowlist change %s is not in the approved content", [s.id]), "cr": n} if {
	some n, cr in data.change_requests
	some s in cr.allowlist_changes
	not approved_item(cr, s.id, s.sha256)
}

approved_item(cr, key, sha) if {
	some item in json.unmarshal(cr.content)
	item.key == key
	item.sha256 == sha
}

# ── revisions: what the signature covers is what was approved ──

problems contains {"where": sprintf("revision %s", [k]), "what": "no .signatures.json could be read from its tarball", "revision": k} if {
	some k, _ in data.revisions
	not data.signatures[k]
}

problems contains {"where": sprintf("revision %s", [k]), "what": sprintf("%s is not signed with the hash of %s v%d", [p.module_path, p.package_path, p.version]), "revision": k} if {
	some k, r in data.revisions
	files := signed_files(k)
	some p in r.policies
	not signed_hash(files, p.module_path, p.sha256)
}

problems contains {"where": sprintf("revision %s", [k]), "what": sprintf("%s v%d is not what change request #%s approved", [p.package_path, p.version, r.change_request]), "revision": k} if {
	some k, r in data.revisions
	r.change_request != null
	cr := data.change_requests[r.change_request]
	some p in r.policies
	not approved_version(cr, p)
	not r.rollback_of
}

problems contains {"where": sprintf("revision %s", [k]), "what": sprintf("its change request #%s is not in the pack", [r.change_request]), "revision": k} if {
	some k, r in data.revisions
	r.change_request != null
	not data.change_requests[r.change_request]
}

signed_files(k) := io.jwt.decode(data.signatures[k].signatures[0])[1].files

signed_hash(files, name, sha) if {
	some f in files
	f.name == name
	f.hash == sha
}

# A change request ships some of a revision's policies; the others were approved earlier.
approved_version(cr, p) if {
	some item in json.unmarshal(cr.content)
	item.kind == "policy_version"
	item.packagePath == p.package_path
	item.sha256 == p.sha256
	item.version == p.version
}

approved_version(cr, p) if {
	every item in json.unmarshal(cr.content) {
		item.packagePath != p.package_path
	}
}

# ── the audit trail: every event of the segment, each hash over its predecessor and content ──

audit_events := {e.seq: e | some _, part in data.audit_events; some e in part}

problems contains {"where": sprintf("audit event #%d", [seq]), "what": "it is missing from the segment", "audit": true} if {
	a := data.audit_anchors
	some seq in numbers.range(a.start.seq, a.end.seq)
	not audit_events[seq]
}

problems contains {"where": sprintf("audit event #%d", [e.seq]), "what": "its content does not match its hash (the event was altered)", "audit": true} if {
	some e in audit_events
	crypto.sha256(concat("", [e.prev_hash, "\n", e.payload])) != e.hash
}

problems contains {"where": sprintf("audit event #%d", [e.seq]), "what": "its number differs from the one it was hashed with", "audit": true} if {
	some e in audit_events
	json.unmarshal(e.payload).seq != format_int(e.seq, 10)
}

problems contains {"where": sprintf("audit event #%d", [e.seq]), "what": sprintf("its prev_hash does not match event #%d's hash", [e.seq - 1]), "audit": true} if {
	some e in audit_events
	before := audit_events[e.seq - 1]
	e.prev_hash != before.hash
}

problems contains {"where": sprintf("audit event #%d", [a.start.seq]), "what": "the segment does not start at its anchor", "audit": true} if {
	a := data.audit_anchors
	audit_events[a.start.seq].prev_hash != a.start.prev_hash
}

problems contains {"where": sprintf("audit event #%d", [a.end.seq]), "what": "the segment does not end at its anchor", "audit": true} if {
	a := data.audit_anchors
	audit_events[a.end.seq].hash != a.end.hash
}

problems contains {"where": "audit trail", "what": "the anchors are missing", "audit": true} if {
	not data.audit_anchors
}
