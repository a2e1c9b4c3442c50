package dev.switchboard.core.internal.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.RequestView;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bodies are written with ' for " to stay readable; {@link #json} swaps them back. */
class RequestShapeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HI = "{'role':'user','content':'hi'}";

    /** A chat body with these messages. */
    private static String messages(String messages) {
        return "{'model':'m','messages':[" + messages + "]}";
    }

    /** A chat body with one user message and these top-level fields. */
    private static String with(String fields) {
        return "{'model':'m','messages':[" + HI + "]," + fields + "}";
    }

    private static String embed(String fields) {
        return "{'model':'e'," + fields + "}";
    }

    private static ObjectNode json(String body) {
        try {
            return (ObjectNode) JSON.readTree(body.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(body, e);
        }
    }

    static Stream<Arguments> wrongChat() {
        String call = "{'role':'assistant','tool_calls':[%s]}";
        return Stream.of(
                // content
                Arguments.of(messages("{'role':'user','content':6222021234567894}"), "messages[0].content",
                        "'messages[0].content' must be a string or an array of content parts (got a number)"),
                Arguments.of(messages(HI + ",{'role':'user','content':{'text':'hi'}}"), "messages[1].content",
                        "(got an object)"),
                Arguments.of(messages("{'role':'user','content':null}"), "messages[0].content", "(got null)"),
                Arguments.of(messages("{'role':'tool','tool_call_id':'c'}"), "messages[0].content", "is required"),
                Arguments.of(messages(HI + ",{'role':'assistant'}"), "messages[1].content", "is required unless"),
                Arguments.of(messages("{'role':'assistant','content':null,'tool_calls':null}"), "messages[0].content",
                        "is required unless"),
                Arguments.of(messages("1"), "messages[0]", "'messages[0]' must be an object"),
                // content parts
                Arguments.of(messages("{'role':'user','content':['hi']}"), "messages[0].content[0]", "an object"),
                Arguments.of(messages("{'role':'user','content':[{'text':'hi'}]}"), "messages[0].content[0].type",
                        "is required"),
                Arguments.of(messages("{'role':'user','content':[{'type':5}]}"), "messages[0].content[0].type",
                        "must be a string (got a number)"),
                Arguments.of(messages("{'role':'user','content':[{'type':'text','text':'a'},{'type':'x'},"
                        + "{'type':'text','text':42}]}"), "messages[0].content[2].text",
                        "'messages[0].content[2].text' must be a string (got a number)"),
                Arguments.of(messages("{'role':'user','content':[{'type':'text'}]}"), "messages[0].content[0].text",
                        "is required"),
                Arguments.of(messages("{'role':'user','content':[{'type':'image_url','image_url':'https://x/y.png'}]}"),
                        "messages[0].content[0].image_url", "an object (got a string)"),
                Arguments.of(messages("{'role':'user','content':[{'type':'image_url','image_url':{'detail':'low'}}]}"),
                        "messages[0].content[0].image_url.url", "is required"),
                Arguments.of(messages("{'role':'user','content':[{'type':'input_audio','input_audio':'abc'}]}"),
                        "messages[0].content[0].input_audio", "an object"),
                Arguments.of(messages("{'role':'user','content':[{'type':'file'}]}"), "messages[0].content[0].file",
                        "is required"),
                Arguments.of(messages("{'role':'assistant','content':[{'type':'refusal','refusal':true}]}"),
                        "messages[0].content[0].refusal", "(got a boolean)"),
                // role and the other message fields
                Arguments.of(messages(HI + ",{'role':'model','content':'hi'}"), "messages[1].role",
                        "'messages[1].role' must be one of system, developer, user, assistant, tool, function"),
                Arguments.of(messages("{'content':'hi'}"), "messages[0].role", "is required"),
                Arguments.of(messages("{'role':['user'],'content':'hi'}"), "messages[0].role", "(got an array)"),
                Arguments.of(messages("{'role':'user','name':7,'content':'hi'}"), "messages[0].name", "a string"),
                Arguments.of(messages("{'role':'tool','tool_call_id':1,'content':'x'}"), "messages[0].tool_call_id",
                        "a string"),
                Arguments.of(messages("{'role':'assistant','refusal':{}}"), "messages[0].refusal", "a string"),
                Arguments.of(messages("{'role':'assistant','content':'x','audio':'a1'}"), "messages[0].audio",
                        "an object"),
                // tool calls
                Arguments.of(messages(HI + "," + HI + "," + call.formatted("{'id':'c1','type':'function',"
                        + "'function':{'name':'f','arguments':{'acct':42}}}")),
                        "messages[2].tool_calls[0].function.arguments",
                        "'messages[2].tool_calls[0].function.arguments' must be a string of JSON text (got an object)"),
                Arguments.of(messages("{'role':'assistant','tool_calls':{}}"), "messages[0].tool_calls", "an array"),
                Arguments.of(messages(call.formatted("'c1'")), "messages[0].tool_calls[0]", "an object"),
                Arguments.of(messages(call.formatted("{'id':1,'function':{'name':'f','arguments':'{}'}}")),
                        "messages[0].tool_calls[0].id", "a string"),
                Arguments.of(messages(call.formatted("{'id':'c','type':'function'}")),
                        "messages[0].tool_calls[0].function", "is required"),
                Arguments.of(messages(call.formatted("{'type':'function','function':{'arguments':'{}'}}")),
                        "messages[0].tool_calls[0].function.name", "is required"),
                Arguments.of(messages(call.formatted("{'function':{'name':'f'}}")),
                        "messages[0].tool_calls[0].function.arguments", "is required"),
                Arguments.of(messages("{'role':'assistant','function_call':{'name':'f','arguments':[]}}"),
                        "messages[0].function_call.arguments", "(got an array)"),
                Arguments.of(messages("{'role':'assistant','function_call':'f'}"), "messages[0].function_call",
                        "an object"),
                // tools
                Arguments.of(with("'tools':{}"), "tools", "an array"),
                Arguments.of(with("'tools':['f']"), "tools[0]", "an object"),
                Arguments.of(with("'tools':[{'function':{'name':'f'}}]"), "tools[0].type", "is required"),
                Arguments.of(with("'tools':[{'type':'function'}]"), "tools[0].function", "is required"),
                Arguments.of(with("'tools':[{'type':'function','function':{'name':1}}]"), "tools[0].function.name",
                        "a string"),
                Arguments.of(with("'tools':[{'type':'function','function':{'name':'f','description':{}}}]"),
                        "tools[0].function.description", "a string"),
                Arguments.of(with("'tools':[{'type':'function','function':{'name':'f'}},{'type':'function',"
                        + "'function':{'name':'g','parameters':'{}'}}]"), "tools[1].function.parameters",
                        "an object (got a string)"),
                Arguments.of(with("'tools':[{'type':'function','function':{'name':'f','strict':'yes'}}]"),
                        "tools[0].function.strict", "true or false"),
                Arguments.of(with("'functions':[{'parameters':{}}]"), "functions[0].name", "is required"),
                Arguments.of(with("'tool_choice':1"), "tool_choice", "a string or an object"),
                Arguments.of(with("'function_call':[]"), "function_call", "a string or an object"),
                // the other parameters
                Arguments.of(with("'response_format':'json'"), "response_format", "an object"),
                Arguments.of(with("'response_format':{}"), "response_format.type", "is required"),
                Arguments.of(with("'response_format':{'type':'json_schema','json_schema':'s'}"),
                        "response_format.json_schema", "an object"),
                Arguments.of(with("'stop':5"), "stop", "a string or an array of strings"),
                Arguments.of(with("'stop':['a',5]"), "stop[1]", "a string"),
                Arguments.of(with("'modalities':'text'"), "modalities", "an array of strings"),
                Arguments.of(with("'modalities':['text',{}]"), "modalities[1]", "a string"),
                Arguments.of(with("'user':42"), "user", "a string"),
                Arguments.of(with("'reasoning_effort':1"), "reasoning_effort", "a string"),
                Arguments.of(with("'service_tier':true"), "service_tier", "a string"),
                Arguments.of(with("'metadata':['a']"), "metadata", "an object"),
                Arguments.of(with("'metadata':{'team':'retail','tier':2}"), "metadata", "an object of strings"),
                Arguments.of(with("'logit_bias':{'50256':'-100'}"), "logit_bias", "an object of numbers"),
                Arguments.of(with("'prediction':'x'"), "prediction", "an object"),
                Arguments.of(with("'prediction':{'type':'content'}"), "prediction.content", "is required"),
                Arguments.of(with("'prediction':{'type':'content','content':3}"), "prediction.content",
                        "a string or an array of content parts"),
                Arguments.of(with("'prediction':{'content':[{'type':'text','text':3}]}"),
                        "prediction.content[0].text", "a string"),
                Arguments.of(with("'seed':1.5"), "seed", "an integer (got a number)"),
                Arguments.of(with("'n':'2'"), "n", "an integer (got a string)"),
                Arguments.of(with("'top_logprobs':true"), "top_logprobs", "an integer"),
                Arguments.of(with("'max_completion_tokens':0"), "max_completion_tokens", "a positive integer"),
                Arguments.of(with("'max_tokens':3000000000"), "max_tokens", "'max_tokens' must be a positive integer"),
                Arguments.of(with("'top_p':'high'"), "top_p", "a number"),
                Arguments.of(with("'presence_penalty':[]"), "presence_penalty", "a number"),
                Arguments.of(with("'frequency_penalty':{}"), "frequency_penalty", "a number"),
                Arguments.of(with("'temperature':'hot'"), "temperature", "'temperature' must be a number"),
                Arguments.of(with("'logprobs':'yes'"), "logprobs", "true or false (got a string)"),
                Arguments.of(with("'parallel_tool_calls':1"), "parallel_tool_calls", "true or false"),
                Arguments.of(with("'store':'no'"), "store", "true or false"),
                Arguments.of(with("'stream':1"), "stream", "'stream' must be true or false"),
                Arguments.of(with("'stream_options':true"), "stream_options", "'stream_options' must be an object"),
                Arguments.of(with("'audio':'mp3'"), "audio", "an object"),
                Arguments.of("{'messages':[" + HI + "]}", "model", "'model' is required"),
                Arguments.of("{'model':' ','messages':[" + HI + "]}", "model", "'model' must be a non-empty string"),
                Arguments.of("{'model':'m','messages':{}}", "messages", "'messages' is required and must be an array"),
                Arguments.of("{'model':'m','messages':[]}", "messages", "'messages' must not be empty"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("wrongChat")
    void aFieldOfTheWrongTypeIsNamedByItsPath(String body, String param, String message) {
        assertThatThrownBy(() -> RequestShape.checkChat(json(body)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.kind().type()).isEqualTo("invalid_request_error");
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.getMessage()).startsWith("'" + param + "' ").contains(message);
                });
    }

    static Stream<Arguments> wrongEmbeddings() {
        return Stream.of(
                Arguments.of(embed("'x':1"), "input", "'input' is required and must be a string or an array"),
                Arguments.of(embed("'input':null"), "input", "is required"),
                Arguments.of(embed("'input':5"), "input", "must be a string or an array"),
                Arguments.of(embed("'input':[]"), "input", "'input' must not be empty"),
                Arguments.of(embed("'input':['a','b',3]"), "input[2]", "a string like input[0] (got a number)"),
                Arguments.of(embed("'input':[1,2,'three']"), "input[2]", "an integer like input[0]"),
                Arguments.of(embed("'input':[1,2.5]"), "input[1]", "an integer"),
                Arguments.of(embed("'input':[[1,2],3]"), "input[1]", "an array of integers like input[0]"),
                Arguments.of(embed("'input':[[1,2],[]]"), "input[1]", "must not be empty"),
                Arguments.of(embed("'input':[[1,2],[3,'x']]"), "input[1][1]", "an integer (got a string)"),
                Arguments.of(embed("'input':[{'text':'a'}]"), "input[0]", "a string, an integer or an array"),
                Arguments.of(embed("'input':[true]"), "input[0]", "(got a boolean)"),
                Arguments.of(embed("'input':'a','encoding_format':1"), "encoding_format", "a string"),
                Arguments.of(embed("'input':'a','dimensions':0"), "dimensions", "a positive integer"),
                Arguments.of(embed("'input':'a','dimensions':'256'"), "dimensions", "a positive integer"),
                Arguments.of(embed("'input':'a','user':{}"), "user", "a string"),
                Arguments.of("{'input':'a'}", "model", "'model' is required"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("wrongEmbeddings")
    void embeddingsNameTheirFieldToo(String body, String param, String message) {
        assertThatThrownBy(() -> RequestShape.checkEmbeddings(json(body)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.getMessage()).startsWith("'" + param + "' ").contains(message);
                });
    }

    static Stream<String> validChat() {
        return Stream.of(
                messages(HI),
                // Every role; multi-part content; calls; refusals; an earlier audio answer.
                messages("{'role':'system','content':'Be brief.'},{'role':'developer','content':[{'type':'text',"
                        + "'text':'Rules'}]},{'role':'user','name':'alice','content':[{'type':'text','text':'What is it?'},"
                        + "{'type':'image_url','image_url':{'url':'data:image/png;base64,AAAA','detail':'low'}},"
                        + "{'type':'input_audio','input_audio':{'data':'UklG','format':'wav'}},"
                        + "{'type':'file','file':{'file_id':'f1'}}]},"
                        + "{'role':'assistant','content':null,'tool_calls':[{'id':'c1','type':'function',"
                        + "'function':{'name':'lookup','arguments':'{\\'acct\\':42}'}},"
                        + "{'id':'c2','type':'custom','custom':{'name':'sh','input':{'raw':true}}}]},"
                        + "{'role':'tool','tool_call_id':'c1','content':'balance 100'},"
                        + "{'role':'assistant','function_call':{'name':'f','arguments':'{}'}},"
                        + "{'role':'function','name':'f','content':'ok'},"
                        + "{'role':'assistant','refusal':'I cannot.'},"
                        + "{'role':'assistant','content':[{'type':'refusal','refusal':'No.'}]},"
                        + "{'role':'assistant','audio':{'id':'a1'}},"
                        + "{'role':'assistant','content':'','tool_calls':[]}"),
                // Vendor fields anywhere, of any type; part types this gateway does not know.
                "{'model':'m','x_notes':'hello','top_k':'40','chat_template_kwargs':{'enable_thinking':false},"
                        + "'guided_json':[1,2],'repetition_penalty':1.1,'messages':[{'role':'user','content':"
                        + "[{'type':'text','text':'hi','cache_control':{'type':'ephemeral'}},{'type':'input_image',"
                        + "'image':42},{'type':'video_url','video_url':'https://x/v.mp4'}],'x_weight':[]}]}",
                // Optional parameters set to null are as absent, and so are optional message fields.
                with("'temperature':null,'top_p':null,'max_tokens':null,'max_completion_tokens':null,"
                        + "'stream':null,'stream_options':null,'stop':null,'user':null,'tools':null,'tool_choice':null,"
                        + "'functions':null,'function_call':null,'response_format':null,'metadata':null,'seed':null,"
                        + "'n':null,'logit_bias':null,'logprobs':null,'top_logprobs':null,'prediction':null,"
                        + "'modalities':null,'audio':null,'store':null,'parallel_tool_calls':null,"
                        + "'reasoning_effort':null,'service_tier':null,'presence_penalty':null,"
                        + "'frequency_penalty':null"),
                messages("{'role':'user','name':null,'content':'hi','tool_call_id':null,'refusal':null,'audio':null,"
                        + "'tool_calls':null,'function_call':null}"),
                messages("{'role':'assistant','content':null,'refusal':'no','tool_calls':[{'id':null,'type':null,"
                        + "'function':{'name':'f','arguments':''}}]}"),
                // Every parameter in every form OpenAI takes.
                with("'temperature':0,'top_p':0.95000000000000001,'presence_penalty':-1,'frequency_penalty':1.5,"
                        + "'max_tokens':1,'max_completion_tokens':4000,'seed':12345678901234567890,'n':2,"
                        + "'top_logprobs':5,'logprobs':true,'parallel_tool_calls':false,'store':false,'stream':true,"
                        + "'stream_options':{'include_usage':true},'stop':'END','user':'u-1',"
                        + "'metadata':{'team':'retail'},'logit_bias':{'50256':-100,'11':2.5},"
                        + "'modalities':['text','audio'],'audio':{'voice':'alloy','format':'wav'},"
                        + "'reasoning_effort':'low','service_tier':'auto',"
                        + "'tools':[{'type':'function','function':{'name':'f','description':'d','strict':true,"
                        + "'parameters':{'type':'object','properties':{}}}},{'type':'custom','custom':{'name':'c'}},"
                        + "{'type':'web_search'}],'tool_choice':{'type':'function','function':{'name':'f'}},"
                        + "'functions':[{'name':'g','parameters':{}}],'function_call':'auto',"
                        + "'response_format':{'type':'json_schema','json_schema':{'name':'x','schema':{}}},"
                        + "'prediction':{'type':'content','content':[{'type':'text','text':'draft'}]}"),
                with("'stop':['a','b'],'tool_choice':'none','function_call':{'name':'g'},'metadata':{},"
                        + "'prediction':{'type':'content','content':'draft'},'response_format':{'type':'text'}"));
    }

    @ParameterizedTest
    @MethodSource("validChat")
    void validBodiesPass(String body) {
        assertThatCode(() -> RequestShape.checkChat(json(body))).doesNotThrowAnyException();
    }

    static Stream<String> validEmbeddings() {
        return Stream.of(embed("'input':'hello'"), embed("'input':''"), embed("'input':['a','b']"),
                embed("'input':[1,2,3]"), embed("'input':[[1,2],[3]]"),
                embed("'input':'a','encoding_format':'base64','dimensions':256,'user':'u','x_truncate':'END'"),
                embed("'input':'a','encoding_format':null,'dimensions':null,'user':null"));
    }

    @ParameterizedTest
    @MethodSource("validEmbeddings")
    void validEmbeddingBodiesPass(String body) {
        assertThatCode(() -> RequestShape.checkEmbeddings(json(body))).doesNotThrowAnyException();
    }

    @Test
    void aBadParameterIsNamedBeforeABadMessageWhereverTheyStand() {
        assertThatThrownBy(() -> RequestShape.checkChat(json("{'model':'m','messages':[{'role':'x'}],'seed':'s'}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.param()).isEqualTo("seed"));
    }

    @Test
    void requestViewChecksTheShapeBeforeReadingAnything() {
        assertThatThrownBy(() -> RequestView.chat(messages(HI + ",{'role':'user','content':7}").replace('\'', '"')))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.param()).isEqualTo("messages[1].content"));
        assertThatThrownBy(() -> RequestView.embeddings(embed("'input':[[1],['a']]").replace('\'', '"').getBytes()))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.param()).isEqualTo("input[1][0]"));
        RequestView ok = RequestView.chat(with("'x_notes':{'any':['shape']}").replace('\'', '"'));
        assertThat(ok.tree().get("x_notes").toString()).isEqualTo("{\"any\":[\"shape\"]}");
    }
}
