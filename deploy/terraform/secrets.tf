# Terraform creates the secrets, never their values: versions are added with gcloud (docs/deploy.md), so no
# secret is in a variable, a plan, the state or an output. Cloud Run reads the "latest" version at start.
resource "google_secret_manager_secret" "x_bearer_token" {
  project   = var.project_id
  secret_id = "tweetstream-x-bearer-token"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret" "hashing_key" {
  project   = var.project_id
  secret_id = "tweetstream-hashing-key"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret" "dashboard_password_hash" {
  project   = var.project_id
  secret_id = "tweetstream-dashboard-password-hash"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}
