# Three services from two images. Secrets arrive as environment variables read from Secret Manager at start;
# data/ is an in-memory volume (the hashing key, dead letters and session keys come from secrets or are
# rebuilt, so nothing there must outlive an instance).

resource "google_cloud_run_v2_service" "ingest" {
  count               = var.ingest_enabled ? 1 : 0
  project             = var.project_id
  name                = local.ingest_service_name
  location            = var.region
  labels              = local.labels
  deletion_protection = var.deletion_protection
  # Nobody calls ingest; Cloud Run's own probes still reach it.
  ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"

  template {
    service_account = google_service_account.ingest.email

    # Exactly one instance: X allows one filtered-stream connection per app.
    scaling {
      min_instance_count = 1
      max_instance_count = 1
    }

    containers {
      image = local.worker_image

      resources {
        limits = {
          cpu    = var.ingest_cpu
          memory = var.ingest_memory
        }
        # CPU always allocated: the stream is read between requests (there are none).
        cpu_idle          = false
        startup_cpu_boost = true
      }

      env {
        name  = "TWEETSTREAM_ROLLOUT"
        value = var.rollout
      }
      env {
        name  = "TweetStream__Hashing__KeyId"
        value = var.hashing_key_id
      }
      env {
        name  = "TweetStream__Source"
        value = var.ingest_source
      }
      env {
        name  = "TweetStream__Redaction"
        value = var.redaction
      }
      env {
        name  = "TweetStream__Sinks"
        value = "pubsub"
      }
      env {
        name  = "TweetStream__Store"
        value = "none"
      }
      env {
        name  = "TweetStream__PubSub__ProjectId"
        value = var.project_id
      }
      env {
        name  = "TweetStream__PubSub__TopicId"
        value = google_pubsub_topic.posts.name
      }
      env {
        name  = "TweetStream__PubSub__CreateIfMissing"
        value = "false"
      }
      env {
        name  = "TweetStream__Dlp__ProjectId"
        value = var.project_id
      }
      env {
        name = "TweetStream__Hashing__Key"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.hashing_key.secret_id
            version = "latest"
          }
        }
      }
      dynamic "env" {
        for_each = var.x_enabled ? [1] : []
        content {
          name = "TweetStream__X__BearerToken"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.x_bearer_token.secret_id
              version = "latest"
            }
          }
        }
      }

      volume_mounts {
        name       = "data"
        mount_path = "/app/data"
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        failure_threshold = 30
      }
      liveness_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds = 30
      }
    }

    volumes {
      name = "data"
      empty_dir {
        medium     = "MEMORY"
        size_limit = "64Mi"
      }
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.ingest_reads_hashing_key,
    google_secret_manager_secret_iam_member.ingest_reads_x_token,
  ]
}

resource "google_cloud_run_v2_service" "function" {
  project             = var.project_id
  name                = "tweetstream-load"
  location            = var.region
  labels              = local.labels
  deletion_protection = var.deletion_protection
  # Pub/Sub push from this project counts as internal traffic; nothing else gets in.
  ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"

  template {
    service_account = google_service_account.load.email

    scaling {
      min_instance_count = 0
      max_instance_count = var.function_max_instances
    }

    # Requests are held until the rows committed (up to the push ack deadline).
    timeout = "${local.push_ack_deadline_seconds}s"

    # No route to the internet: Google APIs only, through Private Google Access.
    vpc_access {
      egress = "ALL_TRAFFIC"
      network_interfaces {
        network    = google_compute_network.private.id
        subnetwork = google_compute_subnetwork.private.id
      }
    }

    containers {
      image = local.function_image

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle = true
      }

      env {
        name  = "TWEETSTREAM_ROLLOUT"
        value = var.rollout
      }
      env {
        name  = "TweetStream__Hashing__KeyId"
        value = var.hashing_key_id
      }
      env {
        name  = "TweetStream__Sinks"
        value = var.load_sink
      }
      env {
        name  = "TweetStream__BigQuery__ProjectId"
        value = var.project_id
      }
      env {
        name  = "TweetStream__BigQuery__DatasetId"
        value = google_bigquery_dataset.posts.dataset_id
      }
      env {
        name  = "TweetStream__BigQuery__TableId"
        value = google_bigquery_table.posts.table_id
      }
      env {
        name  = "TweetStream__BigQuery__Location"
        value = var.bigquery_location
      }
      env {
        name  = "TweetStream__BigQuery__CreateIfMissing"
        value = "false"
      }
      env {
        name  = "TweetStream__Push__ResponseTimeout"
        value = local.push_response_timeout
      }
      env {
        name  = "TweetStream__Push__VerifyToken"
        value = "true"
      }
      env {
        name  = "TweetStream__Push__ServiceAccountEmail"
        value = google_service_account.push.email
      }
      env {
        # The push subscription's audience is the service URL, known only after the first deployment: the
        # deterministic URL form (https://NAME-PROJECT_NUMBER.REGION.run.app) is used instead.
        name  = "TweetStream__Push__Audience"
        value = local.function_audience
      }
      env {
        name = "TweetStream__Hashing__Key"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.hashing_key.secret_id
            version = "latest"
          }
        }
      }

      volume_mounts {
        name       = "data"
        mount_path = "/app/data"
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        failure_threshold = 30
      }
    }

    volumes {
      name = "data"
      empty_dir {
        medium     = "MEMORY"
        size_limit = "128Mi"
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.load_reads_hashing_key]
}

resource "google_cloud_run_v2_service" "dashboard" {
  project             = var.project_id
  name                = "tweetstream-dashboard"
  location            = var.region
  labels              = local.labels
  deletion_protection = var.deletion_protection
  ingress             = "INGRESS_TRAFFIC_ALL"
  # Cloud Run's built-in IAP (no load balancer) is a preview feature of the API.
  launch_stage = var.dashboard_front_door == "iap" ? "BETA" : null
  iap_enabled  = var.dashboard_front_door == "iap"

  template {
    service_account = google_service_account.dashboard.email

    scaling {
      min_instance_count = 0
      max_instance_count = var.dashboard_max_instances
    }

    vpc_access {
      egress = "ALL_TRAFFIC"
      network_interfaces {
        network    = google_compute_network.private.id
        subnetwork = google_compute_subnetwork.private.id
      }
    }

    containers {
      image = local.worker_image

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle = true
      }

      env {
        name  = "TWEETSTREAM_ROLLOUT"
        value = var.rollout
      }
      env {
        name  = "TweetStream__Store"
        value = "bigquery"
      }
      # The worker always runs a pipeline; until it has a dashboard-only mode, this one replays the bundled
      # sample once into the instance's in-memory data folder and then idles.
      env {
        name  = "TweetStream__Source"
        value = "replay"
      }
      env {
        name  = "TweetStream__Replay__Loop"
        value = "false"
      }
      env {
        name  = "TweetStream__Sinks"
        value = "jsonl"
      }
      env {
        name  = "TweetStream__BigQuery__ProjectId"
        value = var.project_id
      }
      env {
        name  = "TweetStream__BigQuery__DatasetId"
        value = google_bigquery_dataset.posts.dataset_id
      }
      env {
        name  = "TweetStream__BigQuery__TableId"
        value = google_bigquery_table.posts.table_id
      }
      env {
        name  = "TweetStream__BigQuery__Location"
        value = var.bigquery_location
      }
      env {
        name  = "TweetStream__BigQuery__CreateIfMissing"
        value = "false"
      }
      env {
        # Every dashboard read is a billed query: poll the live tail every 30 s, as the gcp profile does.
        name  = "TweetStream__Dashboard__TailPollInterval"
        value = "00:00:30"
      }
      env {
        name = "TweetStream__Dashboard__PasswordHash"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.dashboard_password_hash.secret_id
            version = "latest"
          }
        }
      }

      volume_mounts {
        name       = "data"
        mount_path = "/app/data"
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        failure_threshold = 30
      }
    }

    volumes {
      name = "data"
      empty_dir {
        medium     = "MEMORY"
        size_limit = "128Mi"
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.dashboard_reads_password_hash]
}
