# The allow-list (tests/TweetStream.Deploy.Tests checks it): no primitive role, and nothing else.

# ingest publishes to the topic …
resource "google_pubsub_topic_iam_member" "ingest_publishes" {
  project = var.project_id
  topic   = google_pubsub_topic.posts.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.ingest.email}"
}

# … and reads its secrets.
resource "google_secret_manager_secret_iam_member" "ingest_reads_hashing_key" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.hashing_key.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.ingest.email}"
}

resource "google_secret_manager_secret_iam_member" "ingest_reads_x_token" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.x_bearer_token.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.ingest.email}"
}

# ingest may call Cloud DLP only when it redacts with it (DLP has no resource-level binding).
resource "google_project_iam_member" "ingest_uses_dlp" {
  count   = var.redaction == "dlp" ? 1 : 0
  project = var.project_id
  role    = "roles/dlp.user"
  member  = "serviceAccount:${google_service_account.ingest.email}"
}

# load writes the table (rows, and load jobs with bigquery-load) …
resource "google_bigquery_table_iam_member" "load_writes_table" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.posts.dataset_id
  table_id   = google_bigquery_table.posts.table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.load.email}"
}

resource "google_project_iam_member" "load_runs_jobs" {
  count   = var.load_sink == "bigquery-load" ? 1 : 0
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.load.email}"
}

# … and reads the hashing key, from which the dead-letter payload key is derived.
resource "google_secret_manager_secret_iam_member" "load_reads_hashing_key" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.hashing_key.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.load.email}"
}

# dashboard reads the table (queries are jobs, created in the project) and its password hash.
resource "google_bigquery_table_iam_member" "dashboard_reads_table" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.posts.dataset_id
  table_id   = google_bigquery_table.posts.table_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.dashboard.email}"
}

resource "google_project_iam_member" "dashboard_runs_queries" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.dashboard.email}"
}

resource "google_secret_manager_secret_iam_member" "dashboard_reads_password_hash" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.dashboard_password_hash.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.dashboard.email}"
}

# The push subscription's identity may invoke the function, and nothing else.
resource "google_cloud_run_v2_service_iam_member" "push_invokes_function" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.function.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push.email}"
}

# Pub/Sub's service agent signs the push subscription's OIDC tokens as the push identity.
resource "google_service_account_iam_member" "pubsub_signs_push_tokens" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# Front door: the dashboard's own login lets anyone reach the login page; IAP lets only iap_members through.
resource "google_cloud_run_v2_service_iam_member" "dashboard_public" {
  count    = var.dashboard_front_door == "login" ? 1 : 0
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.dashboard.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_iap_web_cloud_run_service_iam_member" "dashboard_iap" {
  for_each               = var.dashboard_front_door == "iap" ? toset(var.iap_members) : toset([])
  project                = var.project_id
  location               = var.region
  cloud_run_service_name = google_cloud_run_v2_service.dashboard.name
  role                   = "roles/iap.httpsResourceAccessor"
  member                 = each.value
}

# IAP's service agent invokes the dashboard on behalf of the people it let through.
resource "google_cloud_run_v2_service_iam_member" "dashboard_via_iap" {
  count    = var.dashboard_front_door == "iap" ? 1 : 0
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.dashboard.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-iap.iam.gserviceaccount.com"
}
