# Names and addresses only: no secret, no secret value, no key.
output "dashboard_url" {
  description = "Where the dashboard answers (behind its login or IAP)."
  value       = google_cloud_run_v2_service.dashboard.uri
}

output "image_repository" {
  description = "Push both images here (docker tag prefix)."
  value       = local.image_base
}

output "service_accounts" {
  description = "The identity of each role."
  value = {
    ingest    = google_service_account.ingest.email
    load      = google_service_account.load.email
    dashboard = google_service_account.dashboard.email
    push      = google_service_account.push.email
  }
}

output "secret_ids" {
  description = "Secrets to add versions to with `gcloud secrets versions add` (their values never pass through Terraform)."
  value = {
    x_bearer_token          = google_secret_manager_secret.x_bearer_token.secret_id
    hashing_key             = google_secret_manager_secret.hashing_key.secret_id
    dashboard_password_hash = google_secret_manager_secret.dashboard_password_hash.secret_id
  }
}

output "topic" {
  description = "The Pub/Sub topic of redacted posts."
  value       = google_pubsub_topic.posts.id
}

output "table" {
  description = "The BigQuery table of posts."
  value       = "${var.project_id}.${google_bigquery_dataset.posts.dataset_id}.${google_bigquery_table.posts.table_id}"
}

output "github_actions" {
  description = "Repository variables for .github/workflows/release.yml (empty without github_repository)."
  value = var.github_repository == "" ? null : {
    GCP_WORKLOAD_IDENTITY_PROVIDER = google_iam_workload_identity_pool_provider.github[0].name
    GCP_RELEASE_SERVICE_ACCOUNT    = google_service_account.release[0].email
    GCP_PROJECT_ID                 = var.project_id
    GCP_REGION                     = var.region
  }
}
