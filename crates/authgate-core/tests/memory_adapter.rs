//! The memory adapter passes the conformance suite.
#![cfg(feature = "adapter-tests")]

use std::sync::Arc;

use authgate_core::adapter::{Adapter, MemoryAdapter};

authgate_core::adapter_conformance!(async { Arc::new(MemoryAdapter::new()) as Arc<dyn Adapter> });
