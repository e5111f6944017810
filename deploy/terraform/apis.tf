locals {
  apis = toset(concat([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "compute.googleapis.com", # the private subnet of the load function and the dashboard
    "iam.googleapis.com",
    "iamcredentials.googleapis.com", # Workload Identity Federation: short-lived tokens, no keys
    "sts.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    ],
    var.redaction == "dlp" ? ["dlp.googleapis.com"] : [],
    var.dashboard_front_door == "iap" ? ["iap.googleapis.com"] : [],
  ))
}

resource "google_project_service" "apis" {
  for_each = local.apis

  project = var.project_id
  service = each.value
  # Turning an API off on destroy would break anything else in the project that uses it.
  disable_on_destroy = false
}
