//! Interactions (SPEC C2): every contact on any channel; the source of every KPI.

use crate::ticket::string_enum;

string_enum! {
    /// The medium of a contact.
    Channel {
        Voice = "voice",
        Email = "email",
        Chat = "chat",
        Sms = "sms",
        WebForm = "web_form",
        WalkIn = "walk_in",
        Video = "video",
        Messaging = "messaging",
    }
}

string_enum! {
    /// Who started the contact.
    Direction { Inbound = "inbound", Outbound = "outbound" }
}

string_enum! {
    /// How a contact ended.
    InteractionOutcome {
        Handled = "handled",
        Abandoned = "abandoned",
        Transferred = "transferred",
        Voicemail = "voicemail",
        Callback = "callback",
        Connected = "connected",
        NoAnswer = "no_answer",
        Busy = "busy",
        Failed = "failed",
        Success = "success",
    }
}
