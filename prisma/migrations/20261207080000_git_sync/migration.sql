-- Git links: a repository, branch and folder that policies are synced with.

-- Where a change request came from when it was not written in the editor (a git commit): carried
-- into the bundle manifest and the lineage of decisions.
ALTER TABLE "change_requests" ADD COLUMN "origin" JSONB;

CREATE TYPE "GitAuthKind" AS ENUM ('none', 'token', 'ssh_key');

CREATE TYPE "GitLinkState" AS ENUM ('ok', 'error', 'force_pushed', 'branch_deleted');

CREATE TABLE "git_links" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "remote_url" TEXT NOT NULL,
    "branch" TEXT NOT NULL,
    "path" TEXT NOT NULL DEFAULT '',
    "package_root" TEXT NOT NULL DEFAULT '',
    "auth_kind" "GitAuthKind" NOT NULL DEFAULT 'none',
    "token_username" TEXT,
    "credential_sealed" TEXT,
    "webhook_secret_sealed" TEXT NOT NULL,
    "poll_interval_seconds" INTEGER,
    "push_enabled" BOOLEAN NOT NULL DEFAULT false,
    "state" "GitLinkState" NOT NULL DEFAULT 'ok',
    "last_fetched_sha" TEXT,
    "last_fetched_at" TIMESTAMPTZ(3),
    "remote_head_sha" TEXT,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "conflict" JSONB,
    "next_poll_at" TIMESTAMPTZ(3),
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "git_links_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "git_links_name_key" ON "git_links"("name");
CREATE INDEX "git_links_next_poll_at_idx" ON "git_links"("next_poll_at");

ALTER TABLE "git_links" ADD CONSTRAINT "git_links_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TYPE "GitCommitDirection" AS ENUM ('inbound', 'outbound');

-- Every commit a link took in (and the change request it became) or pushed out (and the change
-- request it carried).
CREATE TABLE "git_link_commits" (
    "id" UUID NOT NULL,
    "link_id" UUID NOT NULL,
    "sha" TEXT NOT NULL,
    "direction" "GitCommitDirection" NOT NULL,
    "author_name" TEXT NOT NULL,
    "author_email" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "change_request_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "git_link_commits_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "git_link_commits_link_id_sha_key" ON "git_link_commits"("link_id", "sha");
CREATE INDEX "git_link_commits_change_request_id_idx" ON "git_link_commits"("change_request_id");

ALTER TABLE "git_link_commits" ADD CONSTRAINT "git_link_commits_link_id_fkey" FOREIGN KEY ("link_id") REFERENCES "git_links"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "git_link_commits" ADD CONSTRAINT "git_link_commits_change_request_id_fkey" FOREIGN KEY ("change_request_id") REFERENCES "change_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
