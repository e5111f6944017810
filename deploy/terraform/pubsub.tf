# Settings match the library's defaults (PubSubSourceOptions: AckDeadline 60 s with streaming inserts,
# MaxDeliveryAttempts 5); a test in tests/TweetStream.Deploy.Tests reads both sides.
resource "google_pubsub_topic" "posts" {
  project = var.project_id
  name    = var.topic_id
  labels  = local.labels
  # No topic retention (it would bill storage for every message): the subscriptions keep what is unacknowledged.

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  project = var.project_id
  name    = "${var.topic_id}-dead-letter"
  labels  = local.labels

  depends_on = [google_project_service.apis]
}

# Holds dead letters for inspection (a topic alone keeps nothing a person can pull).
resource "google_pubsub_subscription" "dead_letter" {
  project                    = var.project_id
  name                       = "${var.topic_id}-dead-letter-inspect"
  topic                      = google_pubsub_topic.dead_letter.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "load" {
  project = var.project_id
  name    = var.subscription_id
  topic   = google_pubsub_topic.posts.id
  labels  = local.labels

  ack_deadline_seconds       = local.push_ack_deadline_seconds
  message_retention_duration = "604800s"

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 5
  }

  # Never expires while idle (the default would delete it after 31 days without deliveries).
  expiration_policy {
    ttl = ""
  }

  push_config {
    push_endpoint = "${google_cloud_run_v2_service.function.uri}/"
    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.function_audience
    }
  }

  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_cloud_run_v2_service_iam_member.push_invokes_function,
  ]
}

# Pub/Sub's service agent forwards undeliverable messages: it publishes to the dead-letter topic and
# acknowledges them on the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.load.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
