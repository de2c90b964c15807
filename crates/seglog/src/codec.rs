//! Kafka's record codecs (placeholder, filled by the codec work).
