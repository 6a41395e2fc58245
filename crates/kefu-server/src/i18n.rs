//! Translations: Fluent bundles for zh-CN and en, compiled into the binary from every
//! `locales/<lang>/*.ftl` file (one file per feature area), and language negotiation from
//! `Accept-Language` or the UI's `lang` cookie.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::{Arc, OnceLock};

/// A language kefu speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        if c.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if c.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The best match for an `Accept-Language` header (by q-value), English by default.
    pub fn negotiate(header: Option<&str>) -> Lang {
        let Some(h) = header else { return Lang::En };
        let mut best: Option<(f32, Lang)> = None;
        for part in h.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("");
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(l) = Lang::parse(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }
}

type Bundle = FluentBundle<FluentResource>;

#[derive(rust_embed::RustEmbed)]
#[folder = "locales/"]
struct Locales;

/// The sources of every Fluent file of `lang`, in file-name order.
fn sources(lang: Lang) -> Vec<String> {
    let prefix = format!("{}/", lang.code());
    let mut names: Vec<String> = Locales::iter()
        .filter(|n| n.starts_with(&prefix) && n.ends_with(".ftl"))
        .map(|n| n.into_owned())
        .collect();
    names.sort();
    names
        .iter()
        .filter_map(|n| Locales::get(n))
        .map(|f| String::from_utf8_lossy(&f.data).into_owned())
        .collect()
}

fn bundle(lang: Lang) -> Bundle {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().expect("built-in language id");
    let mut b = FluentBundle::new_concurrent(vec![id]);
    b.set_use_isolating(false);
    for source in sources(lang) {
        let res = FluentResource::try_new(source).expect("built-in Fluent file parses");
        b.add_resource(res)
            .expect("built-in Fluent files have no duplicate ids");
    }
    b
}

fn bundles() -> &'static [Arc<Bundle>; 2] {
    static B: OnceLock<[Arc<Bundle>; 2]> = OnceLock::new();
    B.get_or_init(|| [Arc::new(bundle(Lang::En)), Arc::new(bundle(Lang::ZhCn))])
}

/// The message `id` in `lang` with `args`; the id itself if a message is missing.
pub fn tr(lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
    let b = &bundles()[match lang {
        Lang::En => 0,
        Lang::ZhCn => 1,
    }];
    let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
        return id.to_owned();
    };
    let mut errors = vec![];
    b.format_pattern(pattern, args, &mut errors).into_owned()
}

/// Whether message `id` exists (both languages have the same messages).
pub fn has_message(id: &str) -> bool {
    bundles()[0].has_message(id)
}

/// Every message id of a language, for the completeness test.
pub fn message_ids(lang: Lang) -> Vec<String> {
    sources(lang)
        .iter()
        .flat_map(|src| src.lines())
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_messages() {
        let mut en = message_ids(Lang::En);
        let mut zh = message_ids(Lang::ZhCn);
        en.sort();
        zh.sort();
        assert_eq!(en, zh);
        assert!(en.len() > 40);
        let mut unique = en.clone();
        unique.dedup();
        assert_eq!(unique.len(), en.len(), "a message id is defined twice");
    }

    #[test]
    fn negotiation_follows_q_values() {
        assert_eq!(Lang::negotiate(None), Lang::En);
        assert_eq!(Lang::negotiate(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("en;q=0.5, zh;q=0.7")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("fr, en-GB;q=0.3")), Lang::En);
    }

    #[test]
    fn messages_format_with_arguments() {
        let mut args = FluentArgs::new();
        args.set("from", "closed");
        args.set("to", "open");
        assert_eq!(
            tr(Lang::En, "problem-invalid_transition-detail", Some(&args)),
            "A ticket cannot go from \"closed\" to \"open\"."
        );
        assert_eq!(
            tr(Lang::ZhCn, "problem-invalid_transition-detail", Some(&args)),
            "工单不能从“closed”变为“open”。"
        );
    }
}
