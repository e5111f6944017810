variable "project_id" {
  description = "The Google Cloud project to deploy into (must exist, with billing linked)."
  type        = string
}

variable "region" {
  description = "Region of Cloud Run, Artifact Registry and the subnet; us-central1, us-east1 and us-west1 carry the free tiers."
  type        = string
  default     = "us-central1"
}

variable "bigquery_location" {
  description = "Location of the BigQuery dataset; the worker's gcp profile uses EU."
  type        = string
  default     = "EU"
}

variable "image_tag" {
  description = "Tag of both images in Artifact Registry (the release workflow pushes vX.Y.Z and the commit sha)."
  type        = string
  default     = "latest"
}

variable "topic_id" {
  description = "Pub/Sub topic of redacted posts (TweetStream:PubSub:TopicId)."
  type        = string
  default     = "london-posts"
}

variable "subscription_id" {
  description = "Push subscription that feeds the load function (TweetStream:PubSub:SubscriptionId)."
  type        = string
  default     = "london-posts-load"
}

variable "dataset_id" {
  description = "BigQuery dataset (TweetStream:BigQuery:DatasetId)."
  type        = string
  default     = "tweetstream"
}

variable "table_id" {
  description = "BigQuery table (TweetStream:BigQuery:TableId)."
  type        = string
  default     = "posts"
}

variable "partition_expiration_days" {
  description = "Days a partition of the posts table is kept; null keeps them forever. The first 10 GiB of storage are free."
  type        = number
  default     = null
}

variable "ingest_source" {
  description = "TweetStream:Source of the ingest worker: auto (X when the bearer token secret has a version, else the bundled replay), x, mastodon, bluesky or a mix."
  type        = string
  default     = "auto"
}

variable "ingest_cpu" {
  description = "vCPUs of the one always-on ingest instance."
  type        = string
  default     = "1"
}

variable "ingest_memory" {
  description = "Memory of the ingest instance."
  type        = string
  default     = "512Mi"
}

variable "redaction" {
  description = "PII redaction in the ingest pipeline: local (free) or dlp (Cloud DLP, billed per byte; local stays the fallback)."
  type        = string
  default     = "local"

  validation {
    condition     = contains(["local", "dlp"], var.redaction)
    error_message = "redaction is local or dlp."
  }
}

variable "load_sink" {
  description = "How the load function writes BigQuery: bigquery (streaming inserts, billed per GiB) or bigquery-load (free load jobs, rows appear within minutes)."
  type        = string
  default     = "bigquery"

  validation {
    condition     = contains(["bigquery", "bigquery-load"], var.load_sink)
    error_message = "load_sink is bigquery or bigquery-load."
  }
}

variable "dashboard_front_door" {
  description = "How people reach the dashboard: login (public URL, the dashboard's own password login; free) or iap (Identity-Aware Proxy on the Cloud Run service; only iap_members get through; free without a load balancer)."
  type        = string
  default     = "login"

  validation {
    condition     = contains(["login", "iap"], var.dashboard_front_door)
    error_message = "dashboard_front_door is login or iap."
  }
}

variable "iap_members" {
  description = "With dashboard_front_door = iap: who may open the dashboard (user:alice@example.com, group:…)."
  type        = list(string)
  default     = []
}

variable "dashboard_max_instances" {
  description = "Most dashboard instances; it scales to zero when nobody looks."
  type        = number
  default     = 1
}

variable "function_max_instances" {
  description = "Most load function instances; push deliveries queue in Pub/Sub beyond that."
  type        = number
  default     = 2
}

variable "alert_email" {
  description = "Where alerts are emailed; empty creates the policies without a notification channel."
  type        = string
  default     = ""
}

variable "oldest_unacked_alert_seconds" {
  description = "Alert when the oldest unacknowledged message of the load subscription is older than this."
  type        = number
  default     = 600
}

variable "deletion_protection" {
  description = "Protect the table and the Cloud Run services from `terraform destroy`; set false before tearing down."
  type        = bool
  default     = true
}

variable "x_enabled" {
  description = "Mount the X bearer token secret into ingest (add a version to tweetstream-x-bearer-token first); with ingest_source = auto the worker then streams from X instead of replaying the sample."
  type        = bool
  default     = false
}

variable "ingest_enabled" {
  description = "Run the ingest worker on Cloud Run (one always-on instance, the only part above the free tiers). false: run ingest elsewhere with the ingest service account's publisher role, e.g. on your own machine."
  type        = bool
  default     = true
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose release workflow may push images (Workload Identity Federation); empty creates no federation."
  type        = string
  default     = ""
}

variable "hashing_key_id" {
  description = "TweetStream:Hashing:KeyId, the prefix of every hash (k1:…); change it when you add a new hashing key version."
  type        = string
  default     = "k1"
}

variable "rollout" {
  description = "Any new value starts new revisions of all services, which read the latest secret versions (see Rotating secrets in docs/deploy.md)."
  type        = string
  default     = "1"
}
