// The caption vocabulary and tokenizer: ids, counts, round trips, metadata and its errors.

import GlimpseCaptioning
import GlimpseStages
import Testing

@Suite("Caption vocabulary")
struct CaptionVocabularyTests {
    @Test func tokenizesLikeTheFileCommentSays() {
        #expect(CaptionVocabulary.tokenize("Three digits on grass: a 5, a Seven and an 8") ==
                ["three", "digits", "on", "grass", ":", "a", "5", ",", "a", "seven", "and", "an", "8"])
        #expect(CaptionVocabulary.tokenize("  ") == [])
        #expect(CaptionVocabulary.tokenize("a cat's \"toy\" (red)") == ["a", "cat's", "toy", "red"])
        #expect(CaptionVocabulary.tokenize("Ünïcode wörds") == ["ünïcode", "wörds"])
    }

    @Test func keepsWordsSeenOftenEnoughMostFrequentFirst() {
        let v = CaptionVocabulary(captions: ["a red 7", "a blue 7", "a red 1", "zebra"], minimumCount: 2)
        #expect(v.words == CaptionVocabulary.specials + ["a", "7", "red"])
        #expect(v.encode("a zebra 7") == [4, v.unknownID, 5])
        #expect(v.encode("a red 7 a red 7", maxTokens: 2) == [4, 6])
    }

    @Test func textRoundTripsAGrammarCaption() {
        let caption = "three digits against a brick wall: a nine, a 5 and a four"
        let v = CaptionVocabulary(captions: [caption], minimumCount: 1)
        #expect(v.text(of: [v.startID] + v.encode(caption) + [v.endID, 5, 6]) == caption)
        #expect(v.text(of: []) == "")
    }

    @Test func metadataRoundTripsAndBadMetadataNamesTheFile() throws {
        let v = CaptionVocabulary(captions: ["a red 7", "a blue 1"], minimumCount: 1)
        #expect(try CaptionVocabulary(metadata: v.metadata, file: "w.safetensors") == v)
        var broken = v.metadata
        broken["vocabulary.size"] = "99"
        #expect(throws: StageError.self) { try CaptionVocabulary(metadata: broken, file: "w.safetensors") }
        broken = v.metadata
        broken["vocabulary.words"] = "a b c"
        do {
            _ = try CaptionVocabulary(metadata: broken, file: "w.safetensors")
            Issue.record("accepted a vocabulary without the special tokens")
        } catch let error as StageError {
            #expect("\(error)".contains("w.safetensors"))
        }
        #expect(throws: StageError.self) { try CaptionVocabulary(metadata: [:], file: "w.safetensors") }
    }
}
