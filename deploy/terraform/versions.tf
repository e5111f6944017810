terraform {
  required_version = ">= 1.6.0"

  required_providers {
    # Pinned exactly: a provider upgrade is a reviewed change, and .terraform.lock.hcl (written by the first
    # `terraform init`) pins its checksums.
    google = {
      source  = "hashicorp/google"
      version = "6.50.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Pub/Sub's service agent forwards dead letters and signs push tokens.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  image_base           = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
  worker_image         = "${local.image_base}/tweetstream-worker:${var.image_tag}"
  function_image       = "${local.image_base}/tweetstream-function:${var.image_tag}"
  labels               = { app = "tweetstream" }
  ingest_service_name  = "tweetstream-ingest"
  # The push tokens' audience, known before the service exists (Cloud Run's deterministic URL form); the
  # function checks it and the subscription sends it.
  function_audience = "https://tweetstream-load-${data.google_project.this.number}.${var.region}.run.app"

  # How long Pub/Sub waits for the function's answer, which comes only once the rows committed. Streaming inserts
  # commit in seconds: the library's default (PubSubSourceOptions.AckDeadline, 60 s). A load job commits up to a
  # MinLoadInterval (1 min, which keeps under BigQuery's 1,500 load jobs per table a day) plus its run time later:
  # the API's maximum, 600 s, with the function answering 503 (redelivery) after 540 s.
  push_ack_deadline_seconds = var.load_sink == "bigquery-load" ? 600 : 60
  push_response_timeout     = var.load_sink == "bigquery-load" ? "00:09:00" : "00:00:50"
}
