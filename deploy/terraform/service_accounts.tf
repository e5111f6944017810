# One identity per role. Every grant is on the resource it needs, except BigQuery jobs: a query or load job is
# created in a project (bigquery.jobs.create exists only there), so roles/bigquery.jobUser is the one project grant.
resource "google_service_account" "ingest" {
  project      = var.project_id
  account_id   = "tweetstream-ingest"
  display_name = "TweetStream ingest: publishes posts to the topic, reads its secrets"
}

resource "google_service_account" "load" {
  project      = var.project_id
  account_id   = "tweetstream-load"
  display_name = "TweetStream load function: writes the posts table"
}

resource "google_service_account" "dashboard" {
  project      = var.project_id
  account_id   = "tweetstream-dashboard"
  display_name = "TweetStream dashboard: reads the posts table"
}

resource "google_service_account" "push" {
  project      = var.project_id
  account_id   = "tweetstream-push"
  display_name = "TweetStream push subscription identity: may invoke the load function"
}
