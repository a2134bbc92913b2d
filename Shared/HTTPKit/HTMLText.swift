/// Text made safe to put in HTML, as an element's content or an attribute's quoted value: the
/// characters HTML gives a meaning to become character references. The web pages' Markdown and a
/// search hit's excerpt (posts) escape with it.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
