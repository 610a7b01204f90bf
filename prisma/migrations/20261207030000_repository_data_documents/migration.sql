-- CreateTable
CREATE TABLE "repository_data_documents" (
    "id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "sha256" TEXT NOT NULL,
    "updated_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "repository_data_documents_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "repository_data_documents_path_key" ON "repository_data_documents"("path");
