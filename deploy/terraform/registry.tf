resource "google_artifact_registry_repository" "images" {
  project       = var.project_id
  location      = var.region
  repository_id = "tweetstream"
  format        = "DOCKER"
  description   = "TweetStream worker and function images (pushed by .github/workflows/release.yml)."
  labels        = local.labels

  # Keeps storage inside the 0.5 GB free tier: the ten newest versions stay.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }

  depends_on = [google_project_service.apis]
}
