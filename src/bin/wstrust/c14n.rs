//! `wstrust c14n`: canonical form of a document or subtree.

use crate::util;
use std::path::PathBuf;
use std::process::ExitCode;
use wstrust::xml::{self, c14n};
use wstrust::Limits;

/// Arguments of `wstrust c14n`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Canonical XML 1.0 (inclusive) instead of exclusive c14n.
    #[arg(long)]
    inclusive: bool,
    /// Keep comments.
    #[arg(long)]
    with_comments: bool,
    /// Exclusive c14n InclusiveNamespaces PrefixList, e.g. "xs #default".
    #[arg(long, value_name = "PREFIXES")]
    inclusive_namespaces: Option<String>,
    /// Canonicalize only the element whose ID, AssertionID, Id or wsu:Id is ID.
    #[arg(long, value_name = "ID")]
    element_id: Option<String>,
    /// The XML file.
    file: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let bytes = util::read(&args.file)?;
    let limits = Limits::default();
    let text = xml::parse_bytes(&bytes, &limits).map_err(|e| e.to_string())?;
    let doc = xml::parse(text, &limits).map_err(|e| e.to_string())?;
    let node = match &args.element_id {
        Some(id) => xml::find_by_id(&doc, id).map_err(|e| e.to_string())?,
        None => doc.root(),
    };
    let algorithm = match (args.inclusive, args.with_comments) {
        (false, false) => c14n::Algorithm::Exclusive,
        (false, true) => c14n::Algorithm::ExclusiveWithComments,
        (true, false) => c14n::Algorithm::Inclusive,
        (true, true) => c14n::Algorithm::InclusiveWithComments,
    };
    let prefixes: Vec<&str> = args
        .inclusive_namespaces
        .as_deref()
        .map(|p| p.split_whitespace().collect())
        .unwrap_or_default();
    let opts = c14n::Options {
        algorithm,
        inclusive_prefixes: &prefixes,
        exclude: None,
    };
    let out = c14n::to_vec(node, &opts).map_err(|e| e.to_string())?;
    util::write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
