resource "google_monitoring_notification_channel" "email" {
  count        = var.alert_email == "" ? 0 : 1
  project      = var.project_id
  display_name = "TweetStream alerts"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.apis]
}

locals {
  notification_channels = google_monitoring_notification_channel.email[*].id
}

# The load function is not keeping up (or is failing and Pub/Sub keeps retrying).
resource "google_monitoring_alert_policy" "oldest_unacked" {
  project               = var.project_id
  display_name          = "TweetStream: load subscription backlog is old"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "oldest unacked message age > ${var.oldest_unacked_alert_seconds} s"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${google_pubsub_subscription.load.name}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.oldest_unacked_alert_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  depends_on = [google_project_service.apis]
}

# Anything published to the dead-letter topic is a message the function refused five times.
resource "google_monitoring_alert_policy" "dead_letters" {
  project               = var.project_id
  display_name          = "TweetStream: dead-letter topic is growing"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "messages published to ${google_pubsub_topic.dead_letter.name}"
    condition_threshold {
      filter          = "resource.type = \"pubsub_topic\" AND resource.labels.topic_id = \"${google_pubsub_topic.dead_letter.name}\" AND metric.type = \"pubsub.googleapis.com/topic/send_message_operation_count\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  depends_on = [google_project_service.apis]
}

# Ingest must always have its one instance; no series at all also means it is down.
resource "google_monitoring_alert_policy" "ingest_not_running" {
  count                 = var.ingest_enabled ? 1 : 0
  project               = var.project_id
  display_name          = "TweetStream: ingest is not running"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "no active ingest instance for 10 minutes"
    condition_absent {
      filter   = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = \"${local.ingest_service_name}\" AND metric.type = \"run.googleapis.com/container/instance_count\" AND metric.labels.state = \"active\""
      duration = "600s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  # Nothing published for 15 minutes while the instance runs (a stuck stream) is the other half.
  conditions {
    display_name = "nothing published to ${google_pubsub_topic.posts.name} for 15 minutes"
    condition_absent {
      filter   = "resource.type = \"pubsub_topic\" AND resource.labels.topic_id = \"${google_pubsub_topic.posts.name}\" AND metric.type = \"pubsub.googleapis.com/topic/send_message_operation_count\""
      duration = "900s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  depends_on = [google_project_service.apis]
}
