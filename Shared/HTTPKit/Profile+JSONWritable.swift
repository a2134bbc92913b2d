import ConduitContract

extension Profile: JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in
            json.field("username", username)
            json.field("bio", bio)
            json.field("image", image)
            json.field("following", following)
        }
    }
}
