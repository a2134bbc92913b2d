import Foundation

/// What the notifier tells people, and the words it uses.
enum NotificationKind: String, Codable, Sendable, CaseIterable {
    case welcome
    case followed
    case commented
    case favorited

    struct Text: Equatable {
        var subject: String
        var body: String
    }

    /// The message for `recipient`; `actor` is who did it, `title` the article it is about.
    func text(recipient: String, actor: String?, title: String?) -> Text {
        let actor = actor ?? "Someone"
        let title = title ?? "your article"
        switch self {
        case .welcome:
            return Text(subject: "Welcome to Inkwell, \(recipient)", body: "Hello \(recipient),\n\nwelcome to Inkwell. Write something!\n")
        case .followed:
            return Text(subject: "\(actor) started following you", body: "Hello \(recipient),\n\n\(actor) started following you on Inkwell.\n")
        case .commented:
            return Text(subject: "\(actor) commented on \(title)", body: "Hello \(recipient),\n\n\(actor) commented on your article \"\(title)\".\n")
        case .favorited:
            return Text(subject: "\(actor) favorited \(title)", body: "Hello \(recipient),\n\n\(actor) favorited your article \"\(title)\".\n")
        }
    }
}
