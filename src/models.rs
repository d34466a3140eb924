//! models/manifest.json: which files make up the engine, their configuration, and the sha256 of
//! each, checked before a byte is parsed so a corrupt or swapped file fails with its name.

use crate::detector::DetectorConfig;
use crate::error::{Error, Result};
use crate::recognizer::RecognizerConfig;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

#[derive(Clone, Debug, Deserialize)]
pub struct RecognizerEntry {
    pub encoder: String,
    pub decoder: String,
    /// A right-to-left decoder over the same encoder that rescores the beam (recognizer::rescore);
    /// models exported without one read left to right only.
    #[serde(default)]
    pub decoder_r2l: Option<String>,
    #[serde(flatten)]
    pub config: RecognizerConfig,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DetectorEntry {
    pub file: String,
    #[serde(flatten)]
    pub config: DetectorConfig,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Manifest {
    pub recognizer: RecognizerEntry,
    pub detector: Option<DetectorEntry>,
    pub sha256: HashMap<String, String>,
}

impl Manifest {
    pub fn parse(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| Error::model(format!("models/manifest.json is not valid: {e}")))
    }

    /// Refuse a model file whose bytes are not the ones the manifest recorded.
    pub fn verify(&self, file: &str, bytes: &[u8]) -> Result<()> {
        let want = self
            .sha256
            .get(file)
            .ok_or_else(|| Error::model(format!("models/manifest.json records no sha256 for {file}")))?;
        let got = hex(&Sha256::digest(bytes));
        if &got != want {
            return Err(Error::model(format!(
                "model file {file} is corrupt or not the one the manifest names (sha256 {got}, expected {want})"
            )));
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
