"""The page verdict: spam pages flagged with their kind; reports about the same subjects, the real pages of
the shared sets, and hijacked company pages are not."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.stages.spam_page import THRESHOLD, judge, parse_lexicon, title_keyword_repeats

GAMBLING_NEWS = """警方破获特大跨境网络赌博案 涉案资金逾10亿元
本报讯（记者 王磊）记者昨日从市公安局获悉，该局近日成功破获一起特大跨境网络赌博案，抓获犯罪嫌疑人56名，冻结涉案资金1.2亿元。
经查，2019年以来，犯罪嫌疑人李某等人在境外架设赌博网站，以“百家乐”“老虎机”等形式招揽国内人员参赌，并发展多级代理，通过第三方支付平台为赌客充值、提现，涉案资金流水逾10亿元。
警方提醒，网络赌博“十赌九输”，所谓“稳赚不赔”“高额返利”都是诱人上钩的幌子，广大群众切勿心存侥幸。发现赌博违法犯罪线索，请及时向公安机关举报。"""

COURT_PORN = """男子建色情网站牟利获刑五年
被告人张某于2018年3月至2019年6月间，为牟取非法利益，租用境外服务器建立色情网站，上传淫秽视频2300余部，通过收取会员费获利30余万元。
法院审理认为，被告人张某以牟利为目的，利用互联网传播淫秽电子信息，情节特别严重，其行为已构成传播淫秽物品牟利罪。鉴于其到案后如实供述，依法可从轻处罚。
据此，法院以传播淫秽物品牟利罪判处被告人张某有期徒刑五年，并处罚金人民币十万元，没收违法所得。"""

LOTTERY_RESULT = """体彩大乐透第20088期开奖结果揭晓
8月8日晚，中国体育彩票超级大乐透进行第20088期开奖，本期开奖号码为前区05、12、18、27、33，后区03、09。
本期全国共开出一等奖3注，单注奖金为1000万元，分别花落广东、江苏和四川。二等奖开出86注，单注奖金约12万元。
本期全国销量为2.86亿元，计奖后奖池金额为10.5亿元。体彩中心提醒购彩者理性投注，量力而行。"""

MARK_SIX_HK = """六合彩第20/088期攪珠結果
香港賽馬會今晚舉行六合彩第20/088期攪珠，攪出號碼為3、11、19、25、38、42，特別號碼為7。
頭獎由一注中得，派彩約800萬元。馬會提醒市民，博彩要有節制，18歲以下人士不得購買六合彩。"""

GAMBLING_SPAM_HANT = """澳門新葡京娛樂城 真人百家樂 最高返水1.5%
新會員註冊送彩金888元，首存即送100%，百家樂、真人視訊、電子遊藝、體育投注一站式體驗！
信譽平台，提現秒到賬，24小時客服在線。
加微信：xpj8888 立即領取彩金！
老虎機天天送免費旋轉，充值即送，流水一倍即可提現。"""

LOTTERY_SPAM = """香港六合彩资料大全 今期特马 一肖中特
白小姐三肖中特，管家婆心水资料免费公开，跑狗图玄机解析，精准六肖稳赚不赔。
本期平特一肖：虎，特码推荐：18、30、42。
加QQ：88886666 进群领取精准计划！记住QQ88886666"""

ADULT_SPAM = """亚洲无码视频在线观看 国产自拍偷拍 欧美色图
最新番号高清无码在线播放，人妻熟女、巨乳女优每日更新，狼友必备，永久地址收藏不迷路。
成人视频、情色小说、激情图片一网打尽。"""

ENGLISH_CASINO_SPAM = """Best Online Casino 2020 - Claim Your Welcome Bonus
Sign up today and get 200 free spins plus a 100% deposit bonus up to $500! Our online casino offers slots, live dealer baccarat and a sportsbook.
No deposit bonus codes updated daily. Play for real money and withdraw instantly.
Free spins every Friday. Claim your casino bonus now!"""

ENGLISH_GAMBLING_NEWS = """Macau casino revenue falls 94% as visitors stay away
Gross gaming revenue in Macau, the world's biggest gambling hub, fell 94% in August from a year earlier, the city's Gaming Inspection and Coordination Bureau said on Tuesday.
Casino operators such as Sands China and Galaxy Entertainment have seen visitor numbers collapse since travel restrictions were imposed in January. Analysts expect a slow recovery once visa services for mainland tourists resume.
Shares of casino companies listed in Hong Kong fell more than 3% after the figures were released."""

PHARMA_SPAM = """Buy Viagra Online Without Prescription - Cheap Pills
Order generic viagra, cialis and levitra from our online pharmacy. No prescription needed, discreet shipping worldwide.
Kamagra and tramadol also available. Cheap pills, best prices, buy now!"""


def _judge(page: str):
    title, _, body = page.partition("\n")
    return judge(body, title)


@pytest.mark.parametrize("page, kind", [
    (GAMBLING_SPAM_HANT, "gambling"), (LOTTERY_SPAM, "lottery"), (ADULT_SPAM, "adult"),
    (ENGLISH_CASINO_SPAM, "gambling"), (PHARMA_SPAM, "pharma"),
])
def test_spam_pages_are_flagged_with_their_kind(page, kind):
    verdict = _judge(page)
    assert verdict.spam and verdict.kind == kind and verdict.score >= THRESHOLD


@pytest.mark.parametrize("page", [GAMBLING_NEWS, COURT_PORN, LOTTERY_RESULT, MARK_SIX_HK, ENGLISH_GAMBLING_NEWS])
def test_reports_on_the_same_subjects_are_not(page):
    verdict = _judge(page)
    assert not verdict.spam and verdict.kind is None and verdict.score < THRESHOLD / 2


def test_reporting_words_are_what_saves_the_gambling_report():
    # the same betting vocabulary without the reporting around it is a spam page
    verdict = judge("以“百家乐”“老虎机”等形式招揽人员参赌，为赌客充值、提现，流水逾10亿元。", "")
    assert verdict.spam and verdict.kind == "gambling"


def test_link_texts_count_only_for_a_kind_the_page_itself_shows():
    links = "\n".join(["最快开奖现场", "白小姐特马", "管家婆心水论坛", "跑狗玄机论坛"] * 5)
    company = "上海某实业有限公司成立于2005年，主营铸件、五金件的生产与销售，产品远销欧美。"
    assert not judge(company, "上海某实业有限公司", anchor_text=links).spam
    tipster = judge(company + "本期平特一肖：虎。", "上海某实业有限公司", anchor_text=links)
    assert tipster.score > judge(company + "本期平特一肖：虎。", "上海某实业有限公司").score


def test_a_hijacked_title_alone_is_not_a_spam_page():
    body = "BONDTEK CHEMICALS is a professional enterprise that develops and markets rubber processing aids."
    verdict = judge(body, "亚洲精品无码免费视频 亚洲精品无码免费视频")
    assert not verdict.spam and 0 < verdict.score <= THRESHOLD / 2


def test_contact_bait_adds_to_a_page_with_spam_words():
    plain = judge("本期平特一肖：虎，特码推荐18。", "")
    baited = judge("本期平特一肖：虎，特码推荐18。加QQ：88886666 进群，记住QQ88886666", "")
    assert baited.score > plain.score
    assert judge("如有疑问请联系QQ：12345678，工作日9点至18点。", "").score == 0.0  # no spam words: no bait


def test_keyword_stuffing_and_content_farm():
    keyword = "澳洲幸运28是不是正规的"
    bracketed = "".join(f"【{c}】" for c in "随着经济社会的发展，以及女性收入和教育程度的提高，不少人的婚姻观念也发生了变化。")
    text = "\n".join(f"关于{keyword}最新相关内容：{keyword}{bracketed}" for _ in range(3))
    assert title_keyword_repeats(keyword + "jzH6IO", text) == (6, len(keyword))
    verdict = judge(text, keyword + "jzH6IO")
    assert verdict.spam and verdict.kind == "keyword_stuffing"
    assert judge(bracketed * 3, "").kind == "content_farm"
    assert judge("正文。" * 50, "", spun=True, spin_score=0.8).kind == "content_farm"


def test_a_title_repeated_in_an_ordinary_article_is_not_stuffing():
    text = "Python 3 migration notes. " + "We ported the code to Python 3 and kept Python 2 support. " * 10
    assert not judge(text, "Python 3 migration notes | Blog").spam


def test_lexicon_rows_are_checked():
    with pytest.raises(ValueError, match="kind must be one of"):
        parse_lexicon("百家乐\tcasino\t3\tbaccarat")
    with pytest.raises(ValueError, match="4 tab-separated fields"):
        parse_lexicon("百家乐\tgambling\t3")


def test_spam_words_are_cut_from_the_title_and_recorded():
    page = ("<html><head><title>亚洲精品无码 含羞草视频独家共享</title></head><body><article><p>"
            + "本公司专业生产橡胶加工助剂，产品广泛用于轮胎和胶管行业。" * 5 + "</p></article></body></html>")
    doc = cleaner.clean_html(page)
    assert doc.meta["title"] == "含羞草视频独家共享"
    assert ("spam:title", "亚洲精品无码") in doc.removed
    assert doc.flags["spam_page"] is False


# Each of the 12 Chinese Common Crawl pages, read by hand: its kind, or None for a page that is not spam.
CC_EXPECTED = {
    "01": "keyword_stuffing", "02": "gambling", "03": None, "04": None, "05": "lottery", "06": "adult",
    "07": "adult", "08": None, "09": None, "10": None, "11": "lottery", "12": "adult",
}


def test_common_crawl_chinese_pages(realworld):
    folder = realworld / "warc" / "resiliparse_cc2020_zh_pages"
    got = {}
    for path in sorted(folder.glob("*.html")):
        doc = cleaner.clean_html(path.read_bytes())
        got[path.name[:2]] = doc.flags["spam_kind"] if doc.flags["spam_page"] else None
    assert got == CC_EXPECTED


def test_cwced_news_and_government_pages_are_not_flagged(realworld):
    for path in sorted((realworld / "extraction").glob("cwced__*/page.html")):
        doc = cleaner.clean_html(path.read_bytes())
        assert not doc.flags["spam_page"], (path.parent.name, doc.flags["spam_kind"], doc.flags["spam_score"])


@pytest.mark.slow
def test_no_shared_extraction_page_is_flagged(realworld):
    flagged = []
    for path in sorted((realworld / "extraction").glob("*/page.html")):
        doc = cleaner.clean_html(path.read_bytes())
        if doc.flags.get("spam_page"):
            flagged.append((path.parent.name, doc.flags["spam_kind"]))
    assert flagged == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=40), st.text(max_size=100))
def test_judge_never_raises_and_scores_are_never_negative(text, title, anchors):
    verdict = judge(text, title, anchors)
    assert verdict.score >= 0.0 and verdict.spam == (verdict.kind is not None)


@pytest.mark.parametrize("title, text", [
    ("六合区举行农民丰收节", "9月22日，南京市六合区在竹镇镇举行农民丰收节活动。六合区今年粮食总产量再创新高，"
     "六合区农业农村局负责人介绍，全区新建高标准农田3万亩。活动现场，六合区各街镇展示了特色农产品。" * 2),
    ("申博经验分享：三年申博路", "去年开始准备申博，联系了五位导师。申博材料包括研究计划、推荐信和硕士论文。"
     "申博面试时，导师问了很多研究细节。建议大家申博前先把英语考好，申博这条路不容易但值得。"),
    ("工厂招聘流水线操作工", "本厂招聘流水线操作工20名，要求吃苦耐劳，月薪6000元起，包吃住。流水线两班倒，"
     "周末双休。有意者请联系人事部，电话0760-88886666。"),
])
def test_ordinary_pages_that_share_a_word_with_spam(title, text):
    assert not judge(text, title).spam
