# GitHub Actions reach the project through Workload Identity Federation: no service account key exists.
# Only workflows of var.github_repository can impersonate the release account, which may only push images.
# (The account that runs terraform.yml is created by hand once, see docs/deploy.md: it administers IAM, so it
# is not managed by the configuration it applies.)
resource "google_iam_workload_identity_pool" "github" {
  count                     = var.github_repository == "" ? 0 : 1
  project                   = var.project_id
  workload_identity_pool_id = "github"
  display_name              = "GitHub Actions"

  depends_on = [google_project_service.apis]
}

resource "google_iam_workload_identity_pool_provider" "github" {
  count                              = var.github_repository == "" ? 0 : 1
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.github[0].workload_identity_pool_id
  workload_identity_pool_provider_id = "github-actions"
  display_name                       = "GitHub Actions OIDC"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
    "attribute.ref"        = "assertion.ref"
  }
  # Tokens of any other repository are refused outright.
  attribute_condition = "assertion.repository == \"${var.github_repository}\""

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account" "release" {
  count        = var.github_repository == "" ? 0 : 1
  project      = var.project_id
  account_id   = "tweetstream-release"
  display_name = "TweetStream release workflow: pushes images"
}

resource "google_artifact_registry_repository_iam_member" "release_pushes_images" {
  count      = var.github_repository == "" ? 0 : 1
  project    = var.project_id
  location   = var.region
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.release[0].email}"
}

resource "google_service_account_iam_member" "github_impersonates_release" {
  count              = var.github_repository == "" ? 0 : 1
  service_account_id = google_service_account.release[0].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github[0].name}/attribute.repository/${var.github_repository}"
}
