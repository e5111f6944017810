# Partitioning and clustering match the library's defaults (BigQueryPostSchema.PartitionField, BigQueryOptions
# ClusteringFields); schema/posts.json is generated from BigQueryPostSchema (a test fails when they differ):
#   dotnet run -c Release --project benchmarks/TweetStream.Benchmarks -- schema --out deploy/terraform/schema/posts.json
resource "google_bigquery_dataset" "posts" {
  project     = var.project_id
  dataset_id  = var.dataset_id
  location    = var.bigquery_location
  description = "TweetStream posts (hashed authors, redacted text)."
  labels      = local.labels

  depends_on = [google_project_service.apis]
}

resource "google_bigquery_table" "posts" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.posts.dataset_id
  table_id            = var.table_id
  description         = "One row per post; deletion markers have deleted = true."
  labels              = local.labels
  schema              = file("${path.module}/schema/posts.json")
  clustering          = ["source", "lang"]
  deletion_protection = var.deletion_protection

  time_partitioning {
    type          = "DAY"
    field         = "created_at"
    expiration_ms = var.partition_expiration_days == null ? null : var.partition_expiration_days * 86400000
  }
}
