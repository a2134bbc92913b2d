import HTTPKit
import Testing

@testable import Posts

/// Slugs and the rules for articles' fields, without a database.
@Suite struct SlugAndValidationTests {
    @Test(arguments: [
        ("How to train your Dragon!", "how-to-train-your-dragon"),
        ("  --Hello,   World!!  ", "hello-world"),
        ("Crème brûlée à la carte", "creme-brulee-a-la-carte"),
        ("Top 10 tips for 2024", "top-10-tips-for-2024"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("Привет, мир", "article"),
        ("!!!", "article"),
    ])
    func aTitleBecomesAURLSafeSlug(title: String, slug: String) {
        #expect(Slug.make(from: title) == slug)
    }

    @Test func aLongTitleGivesASlugOfAtMostEightyCharactersThatEndsInALetter() {
        let slug = Slug.make(from: String(repeating: "dragon ", count: 40))
        #expect(slug.count <= Slug.maximumLength)
        #expect(slug.hasPrefix("dragon-dragon"))
        #expect(!slug.hasSuffix("-"))
    }

    @Test func aTakenSlugGetsSixRandomCharacters() {
        let suffixed = Slug.withSuffix("dragons")
        #expect(suffixed.hasPrefix("dragons-"))
        let suffix = suffixed.dropFirst("dragons-".count)
        #expect(suffix.count == 6)
        #expect(suffix.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) })
        #expect(Set((0..<20).map { _ in Slug.withSuffix("x") }).count > 1)
    }

    @Test func tagsAreTrimmedDedupedAndSorted() {
        var errors = FieldErrors()
        #expect(ArticleValidation.tags([" dragons ", "dragons", "angular", "\ttraining\n"], into: &errors) == ["angular", "dragons", "training"])
        #expect(errors.isEmpty)
    }

    @Test func blankTooManyAndTooLongTagsAreNamed() {
        var errors = FieldErrors()
        _ = ArticleValidation.tags(["ok", "  "], into: &errors)
        #expect(errors.errors == ["tagList": ["can't contain a blank tag"]])

        errors = FieldErrors()
        _ = ArticleValidation.tags((0...ArticleValidation.maximumTags).map { "tag\($0)" }, into: &errors)
        #expect(errors.errors == ["tagList": ["has too many tags (maximum is 20)"]])

        errors = FieldErrors()
        _ = ArticleValidation.tags([String(repeating: "a", count: 41)], into: &errors)
        #expect(errors.errors == ["tagList": ["can't contain a tag longer than 40 characters (160 bytes)"]])
    }

    @Test func titleDescriptionAndBodyMustNotBeBlankOrTooLong() {
        var errors = FieldErrors()
        ArticleValidation.title(" ", into: &errors)
        ArticleValidation.description(String(repeating: "d", count: 1001), into: &errors)
        ArticleValidation.body("A body.", into: &errors)
        #expect(errors.errors == ["title": ["can't be blank"], "description": ["is too long (maximum is 1000 characters)"]])
    }
}
