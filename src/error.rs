//! One error type for every entry point (CLI, wasm, tests), with a stable machine-readable code.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The bytes are not an image we can decode (empty, text, truncated, corrupt, unsupported).
    BadImage,
    /// The image is larger than the engine accepts (checked before pixels are allocated).
    TooLarge,
    /// A caller passed inconsistent arguments (e.g. RGBA length != width * height * 4).
    BadInput,
    /// A model file is missing, corrupt, or failed to run.
    Model,
}

impl ErrorKind {
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::BadImage => "bad_image",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::BadInput => "bad_input",
            ErrorKind::Model => "model",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }
    pub fn bad_image(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadImage, m)
    }
    pub fn too_large(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::TooLarge, m)
    }
    pub fn bad_input(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadInput, m)
    }
    pub fn model(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Model, m)
    }
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
